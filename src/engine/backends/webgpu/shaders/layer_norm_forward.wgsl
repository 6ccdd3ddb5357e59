// y[n, :] = (x[n, :] − mean) · rstd · w + b, one workgroup of 64 per row; saves mean[n] and rstd[n].
struct Params { N: u32, C: u32, eps: f32, has_bias: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;

var<workgroup> partial: array<f32, 64>;

// Sum of every invocation's value, in a fixed tree order; all invocations get the result.
fn workgroup_sum(value: f32, li: u32) -> f32 {
  partial[li] = value;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = flat_group(wid, nwg);
  if (row >= params.N) { return; }
  let o = row * params.C;
  var s = 0.0;
  for (var c = li; c < params.C; c += 64u) { s += x[o + c]; }
  let m = workgroup_sum(s, li) / f32(params.C);
  var sq = 0.0;
  for (var c = li; c < params.C; c += 64u) { let d = x[o + c] - m; sq += d * d; }
  let r = 1.0 / sqrt(workgroup_sum(sq, li) / f32(params.C) + params.eps);
  for (var c = li; c < params.C; c += 64u) {
    var v = (x[o + c] - m) * r * w[c];
    if (params.has_bias != 0u) { v += b[c]; }
    y[o + c] = v;
  }
  if (li == 0u) {
    mean[row] = m;
    rstd[row] = r;
  }
}
