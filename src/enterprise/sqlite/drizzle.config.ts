// drizzle-kit config for the sqlite schema: `npm run db:generate` writes src/enterprise/sqlite/migrations/ from schema.ts.
// MIGRATIONS_OUT lets the drift test generate into a scratch copy.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/enterprise/sqlite/schema.ts',
  out: process.env.MIGRATIONS_OUT ?? './src/enterprise/sqlite/migrations',
  casing: 'snake_case',
});
