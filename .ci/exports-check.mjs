// The published entry points resolve and load (package self-reference through "exports").
const core = await import("authkit-mcp");
const cf = await import("authkit-mcp/cloudflare");
for (const name of ["workosProvider", "getSession", "getUser", "getClient"])
  if (typeof core[name] !== "function") throw new Error(name);
if (typeof cf.withWorkOS !== "function") throw new Error("withWorkOS");
const dev = await import("authkit-mcp/dev");
const nodeHttp = await import("authkit-mcp/node-http");
if (typeof dev.createLocalAuthKit !== "function" || typeof nodeHttp.nodeListener !== "function") throw new Error("dev");
console.log(`exports ok (Node ${process.versions.node})`);
