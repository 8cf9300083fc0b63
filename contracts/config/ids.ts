/**
 * Identifier patterns shared by the config, the event schemas and the state-machine contracts.
 * Facts: docs/facts/aws-api-models.md, docs/facts/semantics.md.
 */

/**
 * SageMaker's name pattern `[a-zA-Z0-9](-*[a-zA-Z0-9])*`, 1–63 characters (botocore `ClusterName`
 * and `ClusterInstanceGroupName`); the look-ahead bounds the characters, hyphens included.
 */
const SAGEMAKER_NAME = /^(?=.{1,63}$)[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;
/** HyperPod cluster names (SageMaker ClusterName pattern). */
export const CLUSTER_NAME = SAGEMAKER_NAME;
/** HyperPod instance group names (SageMaker ClusterInstanceGroupName pattern, the same as ClusterName). */
export const INSTANCE_GROUP_NAME = SAGEMAKER_NAME;
/** `arn:aws:sagemaker:<region>:<account>:cluster/<id>` */
export const CLUSTER_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:cluster\/[a-z0-9]{12}$/;
/** EKS cluster names: 1–100 chars, alphanumerics, hyphens, underscores, starting alphanumeric. */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
/** EC2 instance ids as HyperPod takes them: `i-` + 8 or 17 hex digits (SageMaker ClusterNodeId pattern). */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Kubernetes node names (DNS subdomain). */
export const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
