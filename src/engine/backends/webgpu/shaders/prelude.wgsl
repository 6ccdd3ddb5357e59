// Prepended to every Loss Lab compute program (after the host's `const` defines).

// Bits of −Infinity: WGSL cannot spell an infinite f32 constant, so row statistics store it as raw bits.
const NEG_INF_BITS: u32 = 0xff800000u;

// Index of this invocation in a 1-D launch that the host split over (x, y) workgroups of `size` invocations.
fn flat_id(wid: vec3u, nwg: vec3u, lid: vec3u, size: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * size + lid.x;
}

// Index of this workgroup in a launch the host split over (x, y) workgroups.
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}
