// What one numbered migration is: its number (PRAGMA user_version once applied), a name, its SQL.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
