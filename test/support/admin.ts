// The admin service (seeding organizations, users, roles and tokens) over a database opened by a
// test or bench outside the harness, on the system clock.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/types.js';
import { AdminRepository } from '../../src/domain/admin/admin-repository.js';
import { AdminService } from '../../src/domain/admin/admin-service.js';
import type { PasswordHasher } from '../../src/domain/users/passwords.js';
import { UserRepository } from '../../src/domain/users/user-repository.js';
import { type IdGenerator, systemClock } from '../../src/ids.js';

export function adminOver(db: Kysely<Database>, newId: IdGenerator, hasher: PasswordHasher): AdminService {
  return new AdminService({
    repository: new AdminRepository(db),
    users: new UserRepository(db, newId),
    clock: systemClock,
    newId,
    hasher,
  });
}
