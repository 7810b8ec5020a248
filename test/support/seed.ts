/** The data the tests' local AuthKit serves (the same shape users pass to createLocalAuthKit). */
import type { Seed } from "../../src/dev/index.js";

export const TEST_API_KEY = "sk_test_fake_key_0123456789";
export const TEST_CLIENT_ID = "client_01FAKECLIENT";

export const TEST_SEED: Seed = {
  users: [
    { id: "user_alice", email: "alice@example.com", firstName: "Alice", lastName: "Admin", emailVerified: true },
    { id: "user_bob", email: "bob@example.com", firstName: "Bob", lastName: "Member", emailVerified: true },
    { id: "user_dave", email: "dave@example.com", firstName: "Dave", lastName: "Member", emailVerified: true },
  ],
  organizations: [
    { id: "org_acme", name: "Acme", domains: ["acme.example"] },
    { id: "org_globex", name: "Globex" },
  ],
  memberships: [
    { userId: "user_alice", organizationId: "org_acme", role: "admin" },
    { userId: "user_dave", organizationId: "org_acme", role: "member" },
  ],
  roles: { admin: ["users:manage"], member: [] },
};
