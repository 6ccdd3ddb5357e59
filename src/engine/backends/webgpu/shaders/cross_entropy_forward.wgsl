// Per row n of logits[N, V] (one workgroup of 64): lse[n] and the label-smoothed loss
// row_loss[n] = lse − (1−ε)·z[target] − (ε/V)·Σ_c z[c], or 0 when target = ignore_index. A reduce sums the rows.
struct Params { N: u32, V: u32, ignore_index: i32, smoothing: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;

var<workgroup> partial: array<vec2f, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = flat_group(wid, nwg);
  if (row >= params.N) { return; }
  let o = row * params.V;
  var m = logits[o];
  for (var c = li; c < params.V; c += 64u) { m = max(m, logits[o + c]); }
  partial[li] = vec2f(m, 0.0);
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li].x = max(partial[li].x, partial[li + stride].x); }
    workgroupBarrier();
  }
  let row_max = partial[0].x;
  workgroupBarrier();
  var sums = vec2f(0.0);
  for (var c = li; c < params.V; c += 64u) {
    let z = logits[o + c];
    sums += vec2f(exp(z - row_max), z);
  }
  partial[li] = sums;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li != 0u) { return; }
  let row_lse = row_max + log(partial[0].x);
  lse[row] = row_lse;
  let t = targets[row];
  if (t == params.ignore_index) {
    row_loss[row] = 0.0;
    return;
  }
  row_loss[row] = row_lse - (1.0 - params.smoothing) * logits[o + u32(t)] - (params.smoothing / f32(params.V)) * partial[0].y;
}
