// out[index] = factor · Σ_{i<n} f(x[i]) with f(x) = x² when SQUARE, else x; one workgroup of 256, fixed order.
// Host-defined: const SQUARE: bool.
struct Params { n: u32, index: u32, factor: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < params.n; i += 256u) {
    let v = x[i];
    if (SQUARE) { s += v * v; } else { s += v; }
  }
  partial[li] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { out[params.index] = params.factor * partial[0]; }
}
