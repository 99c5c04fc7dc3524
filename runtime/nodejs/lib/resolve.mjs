// The module resolve hook registerModulePath installs (modulepath.mjs):
// it runs on Node.js's loader thread.

import { pathToFileURL } from "node:url";

let dirs = [];

export function initialize(data) {
  dirs = data.dirs;
}

// A package name: not a relative or absolute path, not a URL, not node:.
function isPackage(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== "ERR_MODULE_NOT_FOUND" || !isPackage(specifier)) throw err;
    for (const dir of dirs) {
      // A module in dir's parent resolves packages from dir.
      const parentURL = pathToFileURL(dir).href.replace(/node_modules\/?$/, "lambdad-node-path.mjs");
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not in this directory
      }
    }
    throw err;
  }
}
