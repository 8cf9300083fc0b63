/**
 * Applies what `hpr rbac` prints (deploy/kubernetes-rbac.ts) to the test bed: our namespace, each
 * Lambda's roles and bindings, and our ValidatingAdmissionPolicies with their bindings.
 */
import { rbacManifestYaml } from '#deploy/kubernetes-rbac.ts';
import type { ControlPlane } from './control-plane.ts';

export async function applyRbac(cp: Pick<ControlPlane, 'kubectl'>): Promise<void> {
  await cp.kubectl(['apply', '-f', '-'], rbacManifestYaml());
}
