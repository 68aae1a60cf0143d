import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * What the function is invoked with. EventBridge Scheduler sends only the input its target configures — no
 * EventBridge event — and the CDK stack configures `{ time, schedule, execution, attempt }` filled with the
 * scheduler's context attributes (`time` is the nominal UTC time, the same on every retry). An EventBridge rule's
 * event is accepted too: it carries `time` as well (and `id`, `source`, `detail`…, which are not read).
 */
export const ScheduledInputSchema = z.looseObject({
  time: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time such as 2026-01-01T09:00:00Z' }),
  /** `<aws.scheduler.schedule-arn>` */
  schedule: z.string().optional(),
  /** `<aws.scheduler.execution-id>` */
  execution: z.string().optional(),
  /** `<aws.scheduler.attempt-number>`, rendered as a string. */
  attempt: z.coerce.number().int().positive().optional(),
  /** An EventBridge event's id. */
  id: z.string().optional(),
});

export type ScheduledInput = z.output<typeof ScheduledInputSchema>;

/** The keys a schedule fills with its context attributes: the stack's input template is typed by this. */
export type ScheduleInputTemplate = { readonly [K in 'time' | 'schedule' | 'execution' | 'attempt']: string };

/** Validates an invocation's input; throws InvalidInputError naming each problem and the expected shape. */
export function parseScheduledInput(input: unknown): ScheduledInput {
  const parsed = ScheduledInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`),
  );
}
