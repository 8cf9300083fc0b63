/** Applies our ClusterRole and ClusterRoleBinding (deploy/kubernetes-rbac.ts) to the test bed. */
import { rbacManifestYaml } from '#deploy/kubernetes-rbac.ts';
import type { ControlPlane } from './control-plane.ts';

export async function applyRbac(cp: Pick<ControlPlane, 'kubectl'>): Promise<void> {
  await cp.kubectl(['apply', '-f', '-'], rbacManifestYaml());
}
