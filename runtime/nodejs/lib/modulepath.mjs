// ES modules' access to NODE_PATH.
//
// require() looks in NODE_PATH's directories; import does not. Lambda's
// Node.js runtimes let a function's ES module import the AWS SDK the
// runtime ships all the same; so does lambdad, with a resolve hook that
// tries, after Node.js's own resolution fails for a package name, each
// NODE_PATH directory that is a node_modules directory.

import { register } from "node:module";
import path from "node:path";

// registerModulePath installs the hook for nodePath's node_modules
// directories. Node.js before 18.19 and 20.6 has no module.register: there,
// import sees only the code's own node_modules.
export function registerModulePath(nodePath) {
  const dirs = (nodePath ?? "").split(path.delimiter).filter((d) => path.basename(d) === "node_modules");
  if (typeof register !== "function" || dirs.length === 0) return;
  register("./resolve.mjs", import.meta.url, { data: { dirs } });
}
