// The dashboard's one connection to the coordinator: gRPC-Web on the renderfarm.v1 services, with the API key in the
// same "authorization: Bearer ..." header farmctl sends. The key lives in sessionStorage: it is gone with the tab.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AccessService, Role } from "./gen/renderfarm/v1/access_service_pb";
import { FarmService } from "./gen/renderfarm/v1/farm_service_pb";
import { JobService } from "./gen/renderfarm/v1/job_service_pb";

const keyName = "renderfarm.apiKey";

export function apiKey(): string {
  return sessionStorage.getItem(keyName) ?? "";
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(keyName, key);
  else sessionStorage.removeItem(keyName);
}

const bearer: Interceptor = (next) => (request) => {
  request.header.set("authorization", `Bearer ${apiKey()}`);
  return next(request);
};

export const transport = createGrpcWebTransport({ baseUrl: location.origin, useBinaryFormat: true, interceptors: [bearer] });

export const jobApi = createClient(JobService, transport);
export const farmApi = createClient(FarmService, transport);
export const accessApi = createClient(AccessService, transport);

/** Who is signed in: the key's holder and role, as the coordinator says (GetCaller). */
export interface Me {
  name: string;
  role: Role;
}

export const canSubmit = (me: Me): boolean => me.role >= Role.EDITOR;
export const isOperator = (me: Me): boolean => me.role >= Role.OPERATOR;
/** Editors change only the jobs they submitted; operators change any. */
export const canChange = (me: Me, owner: string): boolean => isOperator(me) || (canSubmit(me) && owner === me.name);

/** A failed call in words for a person: the coordinator's own message, prefixed by what kind of refusal it is. */
export function describe(error: unknown): string {
  const e = ConnectError.from(error);
  switch (e.code) {
    case Code.Unauthenticated:
      return `Not signed in: ${e.rawMessage}`;
    case Code.PermissionDenied:
      return `Not allowed: ${e.rawMessage}`;
    case Code.Unavailable:
      return `The coordinator cannot be reached (${e.rawMessage}); retrying.`;
    case Code.Canceled:
      return "";
    default:
      return e.rawMessage || String(e);
  }
}

export const isAuthError = (error: unknown): boolean => {
  const code = ConnectError.from(error).code;
  return code === Code.Unauthenticated;
};
