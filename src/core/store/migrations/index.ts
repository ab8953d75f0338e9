import { initial } from './0001_initial.js';

export interface Migration {
  version: number;
  name: string;
  /** DDL template with type tokens (see ddl.ts), applied to both engines. */
  up: string;
  /** Extra statements for PostgreSQL only (extensions, hypertables). */
  postgresAfter?: string;
}

/** The one migration history, in order. Append only: an applied migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [initial];
