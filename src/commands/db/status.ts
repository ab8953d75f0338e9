import { OcoCommand } from '../../core/cli/base-command.js';
import { renderTable } from '../../core/cli/table.js';
import { migrationStatus, type MigrationStatus } from '../../core/base/store/migrate.js';

export default class DbStatus extends OcoCommand<MigrationStatus> {
  static override summary = 'Show the storage engine, the current schema version and pending migrations.';
  static override description =
    'Does not migrate. Exit 0 whether or not migrations are pending; exit 3 when the database is unreachable.';
  static override examples = ['<%= config.bin %> db status', '<%= config.bin %> db status --json'];

  async run(): Promise<MigrationStatus> {
    await this.parse(DbStatus);
    const store = await this.store(undefined, { migrate: false });
    const status = await migrationStatus(store);
    if (!this.jsonEnabled()) {
      this.log(`engine:   ${status.engine}`);
      this.log(`location: ${status.location}`);
      this.log(`version:  ${status.current} (latest ${status.latest})`);
      if (status.pending.length > 0) {
        this.log(`pending:\n${renderTable(status.pending)}`);
        this.log('Run "oco db migrate" to apply them.');
      } else this.log('pending:  none');
      if (status.modified.length > 0)
        this.warn(`applied migrations changed since they ran: ${status.modified.join(', ')}`);
    }
    return status;
  }
}
