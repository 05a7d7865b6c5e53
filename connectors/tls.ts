import { z } from 'zod';

/** The `tls` key of the connectors that speak HTTPS (or TLS), with the same meaning for each. */
export const tlsOptions = z
  .object({
    /** PEM file of the CA(s) that signed the destination's certificate, trusted instead of Node's built-in roots. */
    ca_file: z.string().min(1).optional(),
    /** Accept any certificate (testing only; warned at start). @default false */
    insecure_skip_verify: z.boolean().default(false),
  })
  .strict()
  .prefault({});

export type TlsOptions = z.output<typeof tlsOptions>;
