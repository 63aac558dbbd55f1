/** Endpoints validation: every subset has addresses, every address a real pod or node IP. */
import { z } from "zod";
import {
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { EndpointAddress, EndpointPort, Endpoints } from "../gen/types.js";
import { PROTOCOLS } from "./container.js";
import { IP_ERROR, isValidIP, isValidPortNum, nonSpecialIPErrors } from "./formats.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child, index } from "./path.js";
import { anyObject, int, oneOf, opt, str } from "./schema.js";

const AddressSchema = z.object({
  ip: opt(str()),
  hostname: opt(str()),
  nodeName: opt(str()),
  targetRef: opt(anyObject()),
});

export const EndpointsSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  subsets: opt(
    z.array(
      z.object({
        addresses: opt(z.array(AddressSchema)),
        notReadyAddresses: opt(z.array(AddressSchema)),
        ports: opt(
          z.array(
            z.object({
              name: opt(str()),
              port: opt(int()),
              protocol: oneOf(PROTOCOLS),
              appProtocol: opt(str()),
            }),
          ),
        ),
      }),
    ),
  ),
});

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs = validateObjectMeta(ep.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  (ep.subsets ?? []).forEach((ss, i) => {
    const idx = index("subsets", i);
    const addresses = ss.addresses ?? [];
    const notReady = ss.notReadyAddresses ?? [];
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(required(idx, "must specify `addresses` or `notReadyAddresses`"));
    }
    addresses.forEach((a, j) => errs.push(...validateAddress(a, index(child(idx, "addresses"), j))));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, index(child(idx, "notReadyAddresses"), j))));
    const ports = ss.ports ?? [];
    ports.forEach((p, j) => errs.push(...validatePort(p, ports.length > 1, index(child(idx, "ports"), j))));
  });
  return errs;
}

export function validateEndpointsUpdate(ep: Endpoints, old: Endpoints): FieldError[] {
  return [...validateObjectMetaUpdate(ep.metadata, old.metadata), ...validateEndpoints(ep)];
}

function validateAddress(a: EndpointAddress, path: string): FieldError[] {
  const ip = a.ip ?? "";
  const ipPath = child(path, "ip");
  const errs = isValidIP(ip) ? [] : [invalidValue(ipPath, ip, IP_ERROR)];
  if (a.hostname)
    errs.push(
      ...isDNS1123Label(a.hostname).map((msg) => invalidValue(child(path, "hostname"), a.hostname, msg)),
    );
  if (a.nodeName != null) {
    errs.push(
      ...isDNS1123Subdomain(a.nodeName).map((msg) => invalidValue(child(path, "nodeName"), a.nodeName, msg)),
    );
  }
  // Traffic sent to a loopback or link-local endpoint would never leave the proxying node.
  if (isValidIP(ip)) errs.push(...nonSpecialIPErrors(ip).map((msg) => invalidValue(ipPath, ip, msg)));
  return errs;
}

function validatePort(p: EndpointPort, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = p.name ?? "";
  if (requireName && name === "") errs.push(required(child(path, "name")));
  else if (name !== "")
    errs.push(...isDNS1123Label(name).map((msg) => invalidValue(child(path, "name"), name, msg)));
  errs.push(...isValidPortNum(p.port ?? 0).map((msg) => invalidValue(child(path, "port"), p.port ?? 0, msg)));
  if (p.appProtocol != null) {
    errs.push(
      ...isQualifiedName(p.appProtocol).map((msg) =>
        invalidValue(child(path, "appProtocol"), p.appProtocol, msg),
      ),
    );
  }
  return errs;
}
