import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSsm {
  /** Use as AWS_ENDPOINT_URL_SSM: the AWS SDK sends SSM calls there. */
  readonly endpoint: string;
  /** Names asked for with GetParameter, in order, and whether decryption was requested. */
  readonly calls: { readonly name: string; readonly withDecryption: boolean }[];
  /** Sets (or with undefined, removes) a SecureString parameter. */
  setParameter(name: string, value: string | undefined): void;
  close(): Promise<void>;
}

/**
 * SSM Parameter Store's GetParameter on 127.0.0.1, speaking the service's JSON 1.1 protocol (POST /,
 * `X-Amz-Target: AmazonSSM.GetParameter`): what cannot run here is replaced at the protocol boundary, and the SDK
 * (through Powertools Parameters) is the real one. Signatures are not checked.
 */
export async function startFakeSsm(): Promise<FakeSsm> {
  const parameters = new Map<string, string>();
  const calls: { name: string; withDecryption: boolean }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') {
      reply(400, { __type: 'InvalidAction', message: `unsupported ${String(req.headers['x-amz-target'])}` });
      return;
    }
    const { Name, WithDecryption } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      Name: string;
      WithDecryption?: boolean;
    };
    calls.push({ name: Name, withDecryption: WithDecryption === true });
    const value = parameters.get(Name);
    if (value === undefined) {
      reply(400, { __type: 'ParameterNotFound', message: `Parameter ${Name} not found.` });
      return;
    }
    reply(200, {
      Parameter: {
        Name,
        Type: 'SecureString',
        // Encrypted values are returned only with WithDecryption, as SSM does (otherwise ciphertext).
        Value: WithDecryption ? value : 'AQICAHh-ciphertext',
        Version: 1,
        DataType: 'text',
        ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${Name.startsWith('/') ? '' : '/'}${Name}`,
      },
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    setParameter(name, value) {
      if (value === undefined) parameters.delete(name);
      else parameters.set(name, value);
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
