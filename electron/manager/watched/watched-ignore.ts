// Which paths of a watched folder are never uploaded: editor swap files, partial downloads,
// hidden files and version-control folders by default, editable per folder.
//
// A pattern is a small subset of .gitignore: `*` matches any run of characters within one name,
// `?` one character; a pattern ending in `/` matches folders only; a pattern with another `/`
// matches the path from the folder's top (e.g. `build/cache/`), one without matches any name at
// any depth (e.g. `*.swp`). An ignored folder is not walked into.
import { ApiError } from '../../../node-runtime/common/errors';

export const DEFAULT_IGNORE_PATTERNS: readonly string[] = [
  '.*',
  '*~',
  '~$*',
  '*.swp',
  '*.swx',
  '*.tmp',
  '*.temp',
  '*.part',
  '*.partial',
  '*.crdownload',
  '*.download',
  'Thumbs.db',
];

const MAX_PATTERNS = 200;

/** `(relative path with forward slashes, is it a folder)` → ignored? */
export type IgnoreTest = (relativePath: string, isFolder: boolean) => boolean;

interface CompiledPattern {
  readonly regex: RegExp;
  readonly foldersOnly: boolean;
  /** Matched against the whole relative path instead of each name in it. */
  readonly anchored: boolean;
}

function globToRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function compilePattern(pattern: string): CompiledPattern {
  const foldersOnly = pattern.endsWith('/');
  const trimmed = (foldersOnly ? pattern.slice(0, -1) : pattern).replace(/^\//, '');
  return { regex: globToRegex(trimmed), foldersOnly, anchored: trimmed.includes('/') || pattern.startsWith('/') };
}

/** Throws a `bad_request` ApiError for a list a user could not have meant. */
export function checkIgnorePatterns(patterns: readonly string[]): void {
  if (patterns.length > MAX_PATTERNS) throw new ApiError('bad_request', `at most ${MAX_PATTERNS} ignore patterns`);
  for (const pattern of patterns) {
    if (pattern.trim() === '' || pattern === '/' || pattern.includes('\0') || pattern.includes('\\') || pattern.length > 200) {
      throw new ApiError('bad_request', `"${pattern}" is not an ignore pattern (e.g. "*.swp", ".git/", "build/cache/")`);
    }
  }
}

export function compileIgnore(patterns: readonly string[]): IgnoreTest {
  const compiled = patterns.map(compilePattern);
  return (relativePath, isFolder) => {
    const names = relativePath.split('/');
    return compiled.some((pattern) => {
      if (pattern.anchored) {
        // Anchored patterns match the path itself or any folder on the way to it.
        for (let depth = 1; depth <= names.length; depth++) {
          const isLast = depth === names.length;
          if ((isFolder || !isLast || !pattern.foldersOnly) && pattern.regex.test(names.slice(0, depth).join('/'))) return true;
        }
        return false;
      }
      return names.some((name, i) => {
        const folder = i < names.length - 1 || isFolder;
        return (folder || !pattern.foldersOnly) && pattern.regex.test(name);
      });
    });
  };
}
