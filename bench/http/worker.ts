import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { BenchHttpModule } from './bench-http.module';

/** One cluster worker: serves the bench app on the shared port and tells the primary when it listens. */
async function serve(): Promise<void> {
  const app = await NestFactory.create(BenchHttpModule, { logger: ['error'] });
  await app.listen(Number(process.env.BENCH_HTTP_PORT), '127.0.0.1');
  process.send?.({ listening: true });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
}

serve().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
