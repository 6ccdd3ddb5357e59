// dx[n, :] (+)= rstd · (dnorm − mean(dnorm) − norm · mean(dnorm · norm)), dnorm = dy · w; one workgroup per row;
// accumulate = 0 overwrites.
struct Params { N: u32, C: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;

var<workgroup> partial: array<vec2f, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = flat_group(wid, nwg);
  if (row >= params.N) { return; }
  let o = row * params.C;
  let m = mean[row];
  let r = rstd[row];
  var sums = vec2f(0.0);
  for (var c = li; c < params.C; c += 64u) {
    let dnorm = dy[o + c] * w[c];
    sums += vec2f(dnorm, dnorm * (x[o + c] - m) * r);
  }
  partial[li] = sums;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  let means = partial[0] / f32(params.C);
  for (var c = li; c < params.C; c += 64u) {
    let norm = (x[o + c] - m) * r;
    var d = r * (dy[o + c] * w[c] - means.x - norm * means.y);
    if (params.accumulate != 0u) { d += dx[o + c]; }
    dx[o + c] = d;
  }
}
