// The slice of workerd's `cloudflare:workers` module these tests use (the full
// @cloudflare/workers-types would clash with the DOM and Node types of the Node project).
declare module "cloudflare:workers" {
  export const exports: { default: { fetch(request: Request): Promise<Response> } };
}
