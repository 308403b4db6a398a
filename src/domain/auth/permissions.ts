// Roles → permissions (spec §5). Instance roles apply to every organization.
export type Permission = 'user.read' | 'user.write';

const ROLE_PERMISSIONS: Record<string, readonly Permission[]> = {
  IAM_OWNER: ['user.read', 'user.write'],
  IAM_USER_MANAGER: ['user.read', 'user.write'],
  IAM_OWNER_VIEWER: ['user.read'],
  // As upstream: organization managers and the login client (the login UI's service account) may
  // read and write users of every organization.
  IAM_ORG_MANAGER: ['user.read', 'user.write'],
  IAM_LOGIN_CLIENT: ['user.read', 'user.write'],
  ORG_OWNER: ['user.read', 'user.write'],
  ORG_USER_MANAGER: ['user.read', 'user.write'],
  ORG_OWNER_VIEWER: ['user.read'],
};

export const INSTANCE_ROLES = [
  'IAM_OWNER',
  'IAM_USER_MANAGER',
  'IAM_OWNER_VIEWER',
  'IAM_ORG_MANAGER',
  'IAM_LOGIN_CLIENT',
] as const;
export const ORG_ROLES = ['ORG_OWNER', 'ORG_USER_MANAGER', 'ORG_OWNER_VIEWER'] as const;
export const KNOWN_ROLES: readonly string[] = [...INSTANCE_ROLES, ...ORG_ROLES];

export interface RoleGrant {
  role: string;
  /** null for an instance-wide grant. */
  orgId: string | null;
}

export interface Viewer {
  userId: string;
  orgId: string;
  grants: readonly RoleGrant[];
  /** The caller's profile language when it has one: messages are answered in it first (issue 14.15). */
  preferredLanguage?: string;
}

/** What the viewer has on one organization: no role reaching it at all, or a set of permissions. */
export function accessTo(viewer: Viewer, orgId: string): { hasRole: boolean; permissions: Set<Permission> } {
  const permissions = new Set<Permission>();
  let hasRole = false;
  for (const grant of viewer.grants) {
    if (grant.orgId !== null && grant.orgId !== orgId) continue;
    hasRole = true;
    for (const p of ROLE_PERMISSIONS[grant.role] ?? []) permissions.add(p);
  }
  return { hasRole, permissions };
}
