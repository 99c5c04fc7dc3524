// Finding the function's handler from _HANDLER, as AWS's Node.js runtime
// does: [dir/]module.export[.nested], the module a file in the task root
// (extensionless, .js, .mjs or .cjs; a .js is an ES module under a
// package.json of "type": "module") or else a package on the module path.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

import {
  FaultError, HANDLER_NOT_FOUND, IMPORT_MODULE_ERROR, MALFORMED_HANDLER_NAME, USER_CODE_SYNTAX_ERROR,
} from "./errors.mjs";

// load imports the handler name names from the task root appRoot. It
// throws a FaultError for the failures AWS reports with a Runtime.* type;
// an exception the module throws while it loads propagates as it is.
export async function load(appRoot, name) {
  if (name.includes("..")) {
    throw new FaultError(MALFORMED_HANDLER_NAME, "'..' is not allowed in handler name");
  }
  const base = path.basename(name);
  const moduleRoot = name.slice(0, name.length - base.length);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match || !match[1] || !match[2]) {
    throw new FaultError(MALFORMED_HANDLER_NAME, "Bad handler");
  }
  const [, module, exportPath] = match;
  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, module);
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new FaultError(USER_CODE_SYNTAX_ERROR, String(err), err);
    }
    if (err?.code === "MODULE_NOT_FOUND" || err?.code === "ERR_MODULE_NOT_FOUND") {
      throw new FaultError(IMPORT_MODULE_ERROR, String(err), err);
    }
    throw err;
  }
  const fn = exportPath.split(".").reduce((v, key) => v?.[key], app);
  if (!fn) {
    throw new FaultError(HANDLER_NOT_FOUND, `${name} is undefined or not exported`);
  }
  if (typeof fn !== "function") {
    throw new FaultError(HANDLER_NOT_FOUND, `${name} is not a function`);
  }
  return fn;
}

async function loadModule(appRoot, moduleRoot, module) {
  const file = path.resolve(appRoot, moduleRoot, module);
  const require = createRequire(path.join(appRoot, moduleRoot, "index.js"));
  if (existsSync(file)) return require(file);
  const esm = existsSync(file + ".js") && typeModule(path.dirname(file));
  if (existsSync(file + ".js")) return esm ? import(pathToFileURL(file + ".js").href) : require(file + ".js");
  if (existsSync(file + ".mjs")) return import(pathToFileURL(file + ".mjs").href);
  if (existsSync(file + ".cjs")) return require(file + ".cjs");
  // A package: from the code's node_modules, then NODE_PATH.
  return require(module);
}

// typeModule tells whether the package.json nearest dir says "type": "module".
function typeModule(dir) {
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (existsSync(pj)) {
      try {
        return JSON.parse(readFileSync(pj, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}
