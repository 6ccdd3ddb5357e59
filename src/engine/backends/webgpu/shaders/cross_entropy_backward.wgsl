// dLogits[n, c] (+)= dLoss[0] · scale · (softmax(z)[c] − ε/V − (1−ε)·[c = target]) on rows whose target is not ignored
// (accumulate = 0 overwrites, writing 0 on ignored rows).
struct Params { N: u32, V: u32, ignore_index: i32, smoothing: f32, scale: f32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> d_loss: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<i32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> d_logits: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_id(wid, nwg, lid, 256u);
  if (i >= params.N * params.V) { return; }
  let n = i / params.V;
  let t = targets[n];
  if (t == params.ignore_index) {
    if (params.accumulate == 0u) { d_logits[i] = 0.0; }
    return;
  }
  let g = d_loss[0] * params.scale;
  var d = g * (exp(logits[i] - lse[n]) - params.smoothing / f32(params.V));
  if (i32(i % params.V) == t) { d -= g * (1.0 - params.smoothing); }
  if (params.accumulate != 0u) { d += d_logits[i]; }
  d_logits[i] = d;
}
