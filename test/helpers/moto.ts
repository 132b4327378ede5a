import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { type AwsClients, awsClients } from '../../src/aws/clients.ts';
import { freePorts } from '../../src/process/ports.ts';
import { pollUntil } from './wait.ts';

/** moto's default account; the config of every AWS test names it. */
export const motoAccount = '123456789012';
/** Fake credentials: neither may appear in any output, log or artifact (AwsWorld.credentialLeaks). */
export const fakeAccessKey = 'AKIAGAUNTLETTEST0001';
export const fakeSecretKey = 'gAuNtLeT/FaKe+SeCrEt/0123456789abcdefXYZ';

const repo = join(import.meta.dirname, '..', '..');

/**
 * A moto server (the AWS API emulator) on a free loopback port, installed on first use by
 * scripts/moto-venv.sh. `env` points the SDK's default chain at it (service-specific endpoint variables and
 * fake keys); `clients` are for the test's own setup and assertions.
 */
export class Moto {
  private constructor(
    private readonly process: ResultPromise,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<Moto> {
    const python = (
      await execa('bash', [join(repo, 'scripts', 'moto-venv.sh')], { stderr: 'inherit' })
    ).stdout.trim();
    const [port] = await freePorts(1);
    const child = execa(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      reject: false,
      stdin: 'ignore',
      buffer: false,
      stdout: 'ignore',
      stderr: 'ignore',
    });
    const moto = new Moto(child, `http://127.0.0.1:${port}`);
    let exited = false;
    void child.then(() => {
      exited = true;
    });
    await pollUntil(
      `moto on port ${port} to answer HTTP`,
      async () => {
        if (exited) throw new Error(`moto exited before answering on port ${port}`);
        return fetch(`${moto.endpoint}/moto-api/`).then(
          () => true,
          () => undefined,
        );
      },
      30_000,
      100,
    );
    return moto;
  }

  get env(): Record<string, string> {
    return {
      AWS_ACCESS_KEY_ID: fakeAccessKey,
      AWS_SECRET_ACCESS_KEY: fakeSecretKey,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_EC2: this.endpoint,
      AWS_ENDPOINT_URL_AUTO_SCALING: this.endpoint,
      AWS_ENDPOINT_URL_STS: this.endpoint,
    };
  }

  clients(): AwsClients {
    // The test process itself: the same fake keys, handed over explicitly rather than through process.env.
    return awsClients('us-east-1', this.endpoint, {
      accessKeyId: fakeAccessKey,
      secretAccessKey: fakeSecretKey,
    });
  }

  async stop(): Promise<void> {
    this.process.kill('SIGTERM');
    await this.process;
  }
}
