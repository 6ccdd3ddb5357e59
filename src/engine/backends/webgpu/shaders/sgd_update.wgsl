// One torch.optim.SGD step (dampening 0): weight decay, momentum buffer (= gradient on the first step), Nesterov.
// Host-defined: const SCALED: bool: the gradient is g[i] · factors[scale_index] (the clip coefficient).
struct Params { n: u32, lr: f32, momentum: f32, weight_decay: f32, nesterov: u32, first_step: u32, scale_index: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
@group(0) @binding(4) var<storage, read> factors: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.n) { return; }
  var raw = g[i];
  if (SCALED) { raw = raw * factors[params.scale_index]; }
  var d = raw + params.weight_decay * p[i];
  if (params.momentum != 0.0) {
    var b = d;
    if (params.first_step == 0u) { b = params.momentum * buf[i] + d; }
    buf[i] = b;
    if (params.nesterov != 0u) { d = d + params.momentum * b; } else { d = b; }
  }
  p[i] = p[i] - params.lr * d;
}
