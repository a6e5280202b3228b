/**
 * Validation of directory documents (`{orgs: [...]}`) and of the records and arguments of writes.
 *
 * Everything that enters a store from outside (the seed file, the admin API, Redis) passes through
 * here. The validators build fresh records from the fields they accept, so nothing unexpected (an
 * unknown key, `__proto__`) can ride along, and they report every problem at once, each with its
 * place (`orgs[2].members[0].role: unknown role "superuser"`).
 *
 * Ids follow the contract's grammars (src/contract/ids.ts): org ids and share target orgs must be
 * acceptable org ids (not dot-only, not a prototype name, not a case variant of the default org);
 * member user ids, share ids and resource types and ids must be canonical ids (no surrounding
 * whitespace, no invisible or control characters, NFC, not dot-only, not a prototype name). A value
 * is never normalised into an accepted one: the store keeps exactly what decisions compare.
 */
import { describeIdProblem, ORG_ID_GRAMMAR_TEXT, orgIdProblem, userIdProblem } from '../contract/ids.js';
import { InvalidDirectoryError } from './errors.js';
import { ORG_STATUSES, type Member, type OrgRecord, type OrgStatus, type Share } from './types.js';
import { normaliseRole, STORED_ROLES, type StoredRole } from '../contract/roles.js';

const SHARE_STATES = ['accepted', 'pending'] as const;
/** Keys that could reach an object's prototype in some consumer; refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const ORG_KEYS = ['id', 'status', 'members', 'shares'];
const MEMBER_KEYS = ['user', 'role'];
const SHARE_KEYS = ['id', 'resource', 'target_org', 'access_role', 'state'];
const RESOURCE_KEYS = ['type', 'id'];

export interface ValidationOptions {
  /** The org that always exists and is always active (normally `default`). */
  defaultOrg: string;
}

type Issues = string[];
type PlainObject = Record<string, unknown>;

/** Parses a whole directory document. Throws InvalidDirectoryError listing every problem. */
export function parseDirectoryDocument(input: unknown, options: ValidationOptions, subject = 'directory'): OrgRecord[] {
  const issues: Issues = [];
  const orgs: OrgRecord[] = [];
  if (asObject(input, 'document', issues)) {
    checkKeys(input, ['orgs'], 'document', issues);
    const list = input.orgs;
    if (list === undefined) issues.push('orgs: required (use "orgs: []" for an empty directory)');
    else if (!Array.isArray(list)) issues.push(`orgs: must be a list, got ${describe(list)}`);
    else {
      const seen = new Map<string, number>();
      list.forEach((entry, index) => {
        const path = `orgs[${index}]`;
        const record = readOrg(entry, path, options, issues);
        if (!record) return;
        const first = seen.get(record.id);
        if (first !== undefined) issues.push(`${path}.id: duplicate org id ${quote(record.id)} (also at orgs[${first}])`);
        else seen.set(record.id, index);
        orgs.push(record);
      });
    }
  }
  if (issues.length > 0) throw new InvalidDirectoryError(subject, issues);
  return orgs;
}

/** Parses one org record (the body of a whole-record write). */
export function parseOrgRecord(input: unknown, options: ValidationOptions): OrgRecord {
  const issues: Issues = [];
  const record = readOrg(input, 'record', options, issues);
  if (!record || issues.length > 0) throw new InvalidDirectoryError('org record', issues);
  return record;
}

/** Validates the arguments of a member write (`PUT .../members/{user}`). */
export function parseMemberWrite(org: unknown, user: unknown, role: unknown, options: ValidationOptions): { org: string; user: string; role: StoredRole } {
  const issues: Issues = [];
  checkOrgId(org, 'org', issues, options.defaultOrg);
  checkIdentifier(user, 'user', issues);
  checkRole(role, 'role', issues);
  if (issues.length > 0) throw new InvalidDirectoryError('member write', issues);
  return { org: org as string, user: user as string, role: role as StoredRole };
}

/** Validates the arguments of a member removal (`DELETE .../members/{user}`). */
export function parseMemberRef(org: unknown, user: unknown, options: ValidationOptions): { org: string; user: string } {
  const issues: Issues = [];
  checkOrgId(org, 'org', issues, options.defaultOrg);
  checkIdentifier(user, 'user', issues);
  if (issues.length > 0) throw new InvalidDirectoryError('member removal', issues);
  return { org: org as string, user: user as string };
}

/** Validates an org id given as an argument (path segment). */
export function parseOrgId(org: unknown, options: ValidationOptions): string {
  const issues: Issues = [];
  checkOrgId(org, 'org', issues, options.defaultOrg);
  if (issues.length > 0) throw new InvalidDirectoryError('org id', issues);
  return org as string;
}

/**
 * Whether `id` can name an org whichever org is the default: the grammar, dot-only ids and
 * prototype names. For reads, keys and invalidations, where a case variant of the default org can
 * never have been written; writes and lookups that know the default org use the full check
 * (`isAcceptableOrgId`). One argument, so it is safe as an array callback.
 */
export function isValidOrgId(id: unknown): id is string {
  const problem = orgIdProblem(id, '');
  return problem === null || problem === 'default_org_look_alike';
}

export function isValidUserId(user: unknown): user is string {
  return userIdProblem(user) === null;
}

function readOrg(input: unknown, path: string, options: ValidationOptions, issues: Issues): OrgRecord | null {
  if (!asObject(input, path, issues)) return null;
  const before = issues.length;
  checkKeys(input, ORG_KEYS, path, issues);
  const id = input.id;
  const idOk = checkOrgId(id, `${path}.id`, issues, options.defaultOrg);
  const isDefault = idOk && id === options.defaultOrg;

  let status: OrgStatus = 'active';
  if (input.status === undefined) {
    if (!isDefault) issues.push(`${path}.status: required (one of ${ORG_STATUSES.join(', ')})`);
  } else if (!ORG_STATUSES.includes(input.status as OrgStatus)) {
    issues.push(`${path}.status: unknown status ${describe(input.status)} (expected one of ${ORG_STATUSES.join(', ')})`);
  } else if (isDefault && input.status !== 'active') {
    issues.push(`${path}.status: the default org ${quote(options.defaultOrg)} is always active`);
  } else {
    status = input.status as OrgStatus;
  }

  const members = readMembers(input.members, `${path}.members`, issues);
  const shares = readShares(input.shares, `${path}.shares`, idOk ? (id as string) : null, options.defaultOrg, issues);
  if (issues.length > before || !idOk) return null;
  return { id: id as string, status, members, shares };
}

function readMembers(input: unknown, path: string, issues: Issues): Member[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) {
    issues.push(`${path}: must be a list, got ${describe(input)}`);
    return [];
  }
  const members: Member[] = [];
  const seen = new Map<string, number>();
  let owner: { user: string; index: number } | null = null;
  input.forEach((entry, index) => {
    const at = `${path}[${index}]`;
    if (!asObject(entry, at, issues)) return;
    checkKeys(entry, MEMBER_KEYS, at, issues);
    const userOk = checkIdentifier(entry.user, `${at}.user`, issues);
    const roleOk = checkRole(entry.role, `${at}.role`, issues);
    if (!userOk || !roleOk) return;
    const user = entry.user as string;
    const role = entry.role as StoredRole;
    const first = seen.get(user);
    if (first !== undefined) {
      issues.push(`${at}.user: duplicate member ${quote(user)} (also at ${path}[${first}])`);
      return;
    }
    seen.set(user, index);
    if (role === 'owner') {
      if (owner) {
        issues.push(`${at}.role: second owner ${quote(user)}; an org has at most one owner (${quote(owner.user)} at ${path}[${owner.index}])`);
        return;
      }
      owner = { user, index };
    }
    members.push({ user, role });
  });
  return members;
}

function readShares(input: unknown, path: string, orgId: string | null, defaultOrg: string, issues: Issues): Share[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) {
    issues.push(`${path}: must be a list, got ${describe(input)}`);
    return [];
  }
  const shares: Share[] = [];
  const seen = new Map<string, number>();
  input.forEach((entry, index) => {
    const at = `${path}[${index}]`;
    if (!asObject(entry, at, issues)) return;
    const before = issues.length;
    checkKeys(entry, SHARE_KEYS, at, issues);
    checkIdentifier(entry.id, `${at}.id`, issues);
    const resource = entry.resource;
    if (asObject(resource, `${at}.resource`, issues)) {
      checkKeys(resource, RESOURCE_KEYS, `${at}.resource`, issues);
      checkIdentifier(resource.type, `${at}.resource.type`, issues);
      checkIdentifier(resource.id, `${at}.resource.id`, issues);
    }
    if (checkOrgId(entry.target_org, `${at}.target_org`, issues, defaultOrg) && entry.target_org === orgId) {
      issues.push(`${at}.target_org: an org cannot share with itself`);
    }
    checkRole(entry.access_role, `${at}.access_role`, issues);
    if (entry.state === undefined) issues.push(`${at}.state: required (accepted or pending)`);
    else if (!SHARE_STATES.includes(entry.state as 'accepted')) {
      issues.push(`${at}.state: unknown state ${describe(entry.state)} (expected accepted or pending)`);
    }
    if (issues.length > before) return;
    const id = entry.id as string;
    const first = seen.get(id);
    if (first !== undefined) {
      issues.push(`${at}.id: duplicate share id ${quote(id)} (also at ${path}[${first}])`);
      return;
    }
    seen.set(id, index);
    const { type, id: resourceId } = resource as { type: string; id: string };
    shares.push({
      id,
      resource: { type, id: resourceId },
      target_org: entry.target_org as string,
      // `Share.access_role` has no legacy spelling: `member` grants what `viewer` grants.
      access_role: normaliseRole(entry.access_role as StoredRole),
      state: entry.state as Share['state'],
    });
  });
  return shares;
}

function asObject(value: unknown, path: string, issues: Issues): value is PlainObject {
  if (value === undefined) {
    issues.push(`${path}: required`);
    return false;
  }
  const proto: unknown = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    issues.push(`${path}: must be a mapping, got ${describe(value)}`);
    return false;
  }
  return true;
}

function checkKeys(value: PlainObject, allowed: readonly string[], path: string, issues: Issues): void {
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) issues.push(`${path}: forbidden key ${quote(key)}`);
    else if (!allowed.includes(key)) issues.push(`${path}: unknown key ${quote(key)} (allowed: ${allowed.join(', ')})`);
  }
}

function checkOrgId(value: unknown, path: string, issues: Issues, defaultOrg: string): boolean {
  if (value === undefined) {
    issues.push(`${path}: required`);
    return false;
  }
  const problem = orgIdProblem(value, defaultOrg);
  if (problem === null) return true;
  if (problem === 'not_a_string') issues.push(`${path}: must be a string, got ${describe(value)}`);
  else if (problem === 'empty' || problem === 'outside_org_id_grammar') {
    issues.push(`${path}: invalid org id ${quote(value as string)} (${ORG_ID_GRAMMAR_TEXT})`);
  } else issues.push(`${describeIdProblem(`${path}:`, problem)} (got ${quote(value as string)})`);
  return false;
}

/** User ids, share ids, resource types and ids: canonical ids (src/contract/ids.ts). */
function checkIdentifier(value: unknown, path: string, issues: Issues): boolean {
  if (value === undefined) {
    issues.push(`${path}: required`);
    return false;
  }
  const problem = userIdProblem(value);
  if (problem === null) return true;
  if (problem === 'not_a_string') issues.push(`${path}: must be a string, got ${describe(value)}`);
  else issues.push(describeIdProblem(`${path}:`, problem));
  return false;
}

function checkRole(value: unknown, path: string, issues: Issues): boolean {
  if (value === undefined) issues.push(`${path}: required`);
  else if (typeof value !== 'string' || !(STORED_ROLES as readonly string[]).includes(value)) {
    issues.push(`${path}: unknown role ${describe(value)} (expected one of ${STORED_ROLES.join(', ')})`);
  } else return true;
  return false;
}

function quote(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return JSON.stringify(shown);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'function') return 'a function';
  const scalar = value as number | boolean | bigint | symbol | undefined;
  return `${typeof scalar} ${String(scalar)}`;
}
