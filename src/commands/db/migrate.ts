import { OcoCommand } from '../../core/cli/base-command.js';
import { migrate, migrationStatus, type AppliedMigration } from '../../core/base/store/migrate.js';

interface Result {
  engine: string;
  location: string;
  applied: AppliedMigration[];
  current: number;
}

export default class DbMigrate extends OcoCommand<Result> {
  static override summary = 'Apply pending database migrations.';
  static override description =
    'Idempotent and safe when several processes start at once (advisory lock in PostgreSQL, ' +
    'exclusive transaction in SQLite). Each migration runs in its own transaction: a failure rolls ' +
    'it back and leaves the previous version. Other commands migrate automatically on first use.';
  static override examples = [
    '<%= config.bin %> db migrate',
    'DATABASE_URL=postgres://postgres@127.0.0.1/oco <%= config.bin %> db migrate --json',
  ];

  async run(): Promise<Result> {
    await this.parse(DbMigrate);
    const store = await this.store(undefined, { migrate: false });
    const applied = await migrate(store);
    const status = await migrationStatus(store);
    const result = { engine: store.engine, location: store.location, applied, current: status.current };
    if (!this.jsonEnabled()) {
      if (applied.length === 0)
        this.log(`${store.engine} at ${store.location} is up to date (version ${status.current}).`);
      for (const m of applied) this.log(`applied ${m.version} ${m.name}`);
      if (applied.length > 0) this.log(`${store.engine} at ${store.location} is now at version ${status.current}.`);
    }
    return result;
  }
}
