import type { Express } from 'express';

/** Express 5 internals, as far as the walk below reads them. */
interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: LayerLike[] };
}

/** `METHOD /path/{param}` for every route the app's router stack serves, nested routers included. */
export function servedOperations(app: Express): string[] {
  const root = (app as unknown as { router?: { stack?: LayerLike[] } }).router?.stack;
  if (!root) throw new Error('express app has no router.stack: the route walk needs updating for this express version');
  const simplePath = (path: unknown): string => {
    if (typeof path !== 'string' || !/^[\w/:.-]*$/.test(path)) {
      throw new Error(`route path ${String(path)} is not a plain string path: extend the walk (or the document) for it`);
    }
    return path === '/' ? '' : path;
  };
  const found: string[] = [];
  const walk = (stack: LayerLike[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const path = (prefix + simplePath(layer.route.path)).replace(/:(\w+)/g, '{$1}') || '/';
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') found.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + simplePath(layer.rawPath));
      }
    }
  };
  walk(root, '');
  return found;
}
