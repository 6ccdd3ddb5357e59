// squares[count] = ‖g‖ = √Σ_{i<count} squares[i]; squares[count + 1] = clip coefficient
// min(1, max_norm / (‖g‖ + 1e-6)) as torch.nn.utils.clip_grad_norm_, or 1 when max_norm ≤ 0. Stays on the device.
struct Params { count: u32, max_norm: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> squares: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < params.count; i += 256u) { s += squares[i]; }
  partial[li] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li != 0u) { return; }
  let norm = sqrt(partial[0]);
  squares[params.count] = norm;
  var coefficient = 1.0;
  if (params.max_norm > 0.0) { coefficient = min(1.0, params.max_norm / (norm + 1e-6)); }
  squares[params.count + 1u] = coefficient;
}
