// drizzle-kit config for the postgres schema: `npm run db:generate` writes src/enterprise/postgres/migrations/ from schema.ts.
// MIGRATIONS_OUT lets the drift test generate into a scratch copy.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/enterprise/postgres/schema.ts',
  out: process.env.MIGRATIONS_OUT ?? './src/enterprise/postgres/migrations',
  casing: 'snake_case',
});
