import { z } from '@hono/zod-openapi';

/** Response bodies of the connections routes, mirroring connect/connection-view.ts and connect/disconnect.ts. */
const isoOrNull = z.string().nullable().openapi({ format: 'date-time' });

export const Connection = z
  .object({
    id: z.string(),
    userId: z.string(),
    endpointId: z.string(),
    fhirBase: z.string(),
    patientId: z.string(),
    fhirUser: z.string().nullable(),
    status: z.string().openapi({ description: 'active | needs_reauth | revoked | error' }),
    statusReason: z.string().nullable(),
    scopes: z.array(z.string()),
    refreshable: z.boolean(),
    accessExpiresAt: isoOrNull,
    persistentAccessEndsAt: isoOrNull,
    tokenVersion: z.number().int(),
    lastSyncAt: isoOrNull,
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Connection');

export const ConnectionList = z.object({ connections: z.array(Connection) }).openapi('ConnectionList');

const Revocation = z
  .enum(['revoked', 'pending', 'expired', 'refused', 'not_offered', 'unreadable', 'nothing'])
  .openapi({
    description: "What revoking the refresh token at the EHR did; 'pending' retries in the background",
  });

export const Disconnected = z
  .object({ connectionId: z.string(), revocation: Revocation })
  .openapi('Disconnected');

export const Erased = z
  .object({
    connectionId: z.string(),
    revocation: Revocation,
    resources: z.number().int(),
    binaries: z.number().int(),
    runs: z.number().int(),
  })
  .openapi('Erased');

export const UserErased = z
  .object({ userId: z.string(), connections: z.array(Erased) })
  .openapi('UserErased');
