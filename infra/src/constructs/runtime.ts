import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Both functions: the bundles target Node 20 syntax and run on the newest Node.js runtime, on Graviton. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;
