import { readFileSync } from 'node:fs';

/** `${VAR}` reads the environment, `${file:/path}` a file (container secrets); `$${` is a literal `${`. */
const REFERENCE = /\$(\$)?\{([^}]*)\}/g;

export interface Interpolation {
  readonly value: string;
  /** The values that came from the environment or files: treated as secrets and masked. */
  readonly injected: readonly string[];
  /** The references that gave them, as written (`${file:/run/secrets/token}`): safe to show. */
  readonly references: readonly string[];
}

/**
 * Replaces every reference in one scalar. Throws an Error naming the missing variable or
 * unreadable file (never its content); the caller adds the YAML path and line.
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv): Interpolation {
  const injected: string[] = [];
  const references: string[] = [];
  const value = text.replace(REFERENCE, (whole, escaped: string | undefined, ref: string) => {
    if (escaped) return whole.slice(1);
    const resolved = resolve(ref.trim(), env);
    injected.push(resolved);
    references.push(whole);
    return resolved;
  });
  return { value, injected, references };
}

function resolve(ref: string, env: NodeJS.ProcessEnv): string {
  if (ref.startsWith('file:')) {
    const path = ref.slice('file:'.length);
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`cannot read \${file:${path}}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) throw new Error(`\${${ref}} is not a variable name or file: reference`);
  const value = env[ref];
  if (value === undefined || value === '') throw new Error(`environment variable ${ref} is not set`);
  return value;
}
