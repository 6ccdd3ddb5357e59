// out[c] (+)= Σ_r x[r, c] for x[R, Cols] (a linear layer's bias gradient); accumulate = 0 overwrites.
// 16 columns × 16 row-slices per workgroup; the slices' partial sums are added in a fixed order (deterministic).
struct Params { R: u32, Cols: u32, accumulate: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wid.x * 16u + lid.x;
  var sum = 0.0;
  if (c < params.Cols) {
    for (var r = lid.y; r < params.R; r += 16u) { sum += x[r * params.Cols + c]; }
  }
  partial[lid.y * 16u + lid.x] = sum;
  workgroupBarrier();
  if (lid.y != 0u || c >= params.Cols) { return; }
  var total = 0.0;
  for (var s = 0u; s < 16u; s++) { total += partial[s * 16u + lid.x]; }
  if (params.accumulate != 0u) { total += out[c]; }
  out[c] = total;
}
