// dw[c] += Σ_n dy[n, c] · norm[n, c]; db[c] += Σ_n dy[n, c]. 16 channels × 16 row-slices per workgroup,
// slices added in a fixed order. has_dw / has_db say which outputs are real (the other is a dummy binding);
// add_dw / add_db = 0 overwrite instead of adding.
struct Params { N: u32, C: u32, has_dw: u32, has_db: u32, add_dw: u32, add_db: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dw: array<f32>;
@group(0) @binding(6) var<storage, read_write> db: array<f32>;

var<workgroup> partial: array<vec2f, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wid.x * 16u + lid.x;
  var sums = vec2f(0.0);
  if (c < params.C) {
    for (var n = lid.y; n < params.N; n += 16u) {
      let g = dy[n * params.C + c];
      sums += vec2f(g * (x[n * params.C + c] - mean[n]) * rstd[n], g);
    }
  }
  partial[lid.y * 16u + lid.x] = sums;
  workgroupBarrier();
  if (lid.y != 0u || c >= params.C) { return; }
  var total = vec2f(0.0);
  for (var s = 0u; s < 16u; s++) { total += partial[s * 16u + lid.x]; }
  if (params.has_dw != 0u) { dw[c] = select(total.x, dw[c] + total.x, params.add_dw != 0u); }
  if (params.has_db != 0u) { db[c] = select(total.y, db[c] + total.y, params.add_db != 0u); }
}
