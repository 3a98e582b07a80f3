import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { IdeaGraphCacheModule } from '../index';
import { DemoController } from './demo.controller';

/** A small app that shows the module in use; not part of the published library. */
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true }), IdeaGraphCacheModule.forRootAsync()],
  controllers: [DemoController],
})
export class AppModule {}
