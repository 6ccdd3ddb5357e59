// One torch.optim.Adam / AdamW step on p[i] (the host folds the bias corrections into step_size and bc2_sqrt).
// Host-defined: const SCALED: bool: the gradient is g[i] · factors[scale_index] (the clip coefficient).
struct Params {
  n: u32, beta1: f32, one_minus_beta1: f32, beta2: f32, one_minus_beta2: f32,
  eps: f32, step_size: f32, bc2_sqrt: f32, decay: f32, l2: f32, scale_index: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> factors: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  var raw = g[i];
  if (SCALED) { raw = raw * factors[params.scale_index]; }
  let grad = raw + params.l2 * p[i];
  let param = p[i] * params.decay;
  let mi = params.beta1 * m[i] + params.one_minus_beta1 * grad;
  let vi = params.beta2 * v[i] + params.one_minus_beta2 * grad * grad;
  m[i] = mi;
  v[i] = vi;
  p[i] = param - params.step_size * mi / (sqrt(vi) / params.bc2_sqrt + params.eps);
}
