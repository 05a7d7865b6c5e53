import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What the package declares against what it ships: the image installs `dependencies` only. */
const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> };

/** Source files that ship (tests aside). */
function shippedSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => readFileSync(join(ROOT, dir, file), 'utf8'));
}

/** Package names a module imports, or loads by name (pino's `target: 'pino-pretty'`). */
function packagesNamed(text: string): string[] {
  const specifiers = [...text.matchAll(/(?:from |import\(|target: )'([^']+)'/g)].map((m) => m[1]!);
  return specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map((s) => /^(@[^/]+\/)?[^/]+/.exec(s)![0]);
}

describe('package.json', () => {
  it('lists as production dependencies exactly the packages the shipped code uses', () => {
    const used = new Set([...shippedSources('src'), ...shippedSources('connectors')].flatMap(packagesNamed));
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...used].sort());
    expect(pkg.devDependencies).toHaveProperty('axios'); // the benchmark's naive bridge, never the image
  });

  it('has every install script in the dependency tree reviewed in allowScripts (npm 11 warns otherwise, npm 12 skips it)', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(pkg.allowScripts, name).toHaveProperty([name]);
  });

  it('names a licence whose text is in LICENSE', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });
});
