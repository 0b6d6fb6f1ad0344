// Prisma 7 reads its settings from this file. Only `prisma generate` is used
// here: the schema engine cannot be downloaded offline, so the tables come
// from `npm run db:apply` (scripts/db-apply.mjs), not from `prisma migrate`.
import { defineConfig } from 'prisma/config';

export default defineConfig({
	schema: 'prisma/schema.prisma'
});
