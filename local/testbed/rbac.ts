/** Applies our ClusterRole and ClusterRoleBinding (functions/adapters/kubernetes-rbac.ts) to the test bed. */
import { rbacManifestYaml } from '#adapters/kubernetes-rbac.ts';
import type { ControlPlane } from './control-plane.ts';

export async function applyRbac(cp: Pick<ControlPlane, 'kubectl'>): Promise<void> {
  await cp.kubectl(['apply', '-f', '-'], rbacManifestYaml());
}
