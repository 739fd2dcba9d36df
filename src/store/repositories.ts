import type { Kysely } from 'kysely';
import { createAuditRepository, type AuditRepository } from './audit-repository.ts';
import {
  createConnectSessionRepository,
  type ConnectSessionRepository,
} from './connect-session-repository.ts';
import { createConnectionRepository, type ConnectionRepository } from './connection-repository.ts';
import { createDirectoryRepository, type DirectoryRepository } from './directory-repository.ts';
import { createEndpointRepository, type EndpointRepository } from './endpoint-repository.ts';
import { createLaunchRepository, type LaunchRepository } from './launch-repository.ts';
import type { Database } from './schema.ts';
import { createUserRepository, type UserRepository } from './user-repository.ts';

/** The connect spine's repositories over one database. */
export interface Repositories {
  users: UserRepository;
  connectSessions: ConnectSessionRepository;
  launches: LaunchRepository;
  connections: ConnectionRepository;
  endpoints: EndpointRepository;
  /** The imported and manual directory: which endpoint an organisation id resolves to. */
  directory: DirectoryRepository;
  audit: AuditRepository;
}

export function createRepositories(db: Kysely<Database>): Repositories {
  return {
    users: createUserRepository(db),
    connectSessions: createConnectSessionRepository(db),
    launches: createLaunchRepository(db),
    connections: createConnectionRepository(db),
    endpoints: createEndpointRepository(db),
    directory: createDirectoryRepository(db),
    audit: createAuditRepository(db),
  };
}
