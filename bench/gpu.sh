#!/bin/sh
# Tokens/s of the reference GPT trained by Loss Lab's WebGPU backend and by PyTorch CUDA (eager), same workload,
# alternating runs, then their ratio. For a Linux x86-64 machine with an NVIDIA GPU and no network.
#
# Needs: this checkout with node_modules installed (npm ci, done where there is network), Node >= 20, the NVIDIA
# driver, and python3 with a CUDA build of torch. The Vulkan loader comes from bench/debs/ when the system lacks it.
# Usage: sh bench/gpu.sh            (env: STEPS=50 WARMUP=10 ROUNDS=3 PYTHON=python3)
set -eu
cd "$(dirname "$0")/.."
STEPS=${STEPS:-50}
WARMUP=${WARMUP:-10}
ROUNDS=${ROUNDS:-3}
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "bench/gpu.sh: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node (>= 20) is not on PATH"
[ -d node_modules/webgpu ] && [ -d node_modules/tsx ] || fail "node_modules is missing: run npm ci on a machine with network and copy it here"
command -v "$PYTHON" >/dev/null || fail "$PYTHON is not on PATH (set PYTHON to a python with CUDA torch)"
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' || fail "$PYTHON: torch has no CUDA device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

# 1. The Vulkan loader: the system's, or the one in bench/debs/ (extracted, never installed).
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  (cd bench/debs && sha256sum -c --quiet SHA256SUMS) || fail "bench/debs/SHA256SUMS does not match"
  deb=$(ls bench/debs/libvulkan1_*_amd64.deb | head -n 1)
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$deb" "$work/loader"
  else
    command -v ar >/dev/null || fail "neither dpkg-deb nor ar is available to unpack $deb"
    mkdir -p "$work/loader" && (cd "$work/loader" && ar x "$OLDPWD/$deb" && tar -xf data.tar.*)
  fi
  LD_LIBRARY_PATH="$work/loader/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
  echo "Vulkan loader: bench/debs ($(basename "$deb"))"
fi

# 2. The NVIDIA Vulkan driver, and only it, so Dawn cannot pick a software adapter.
icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -n 1 || true)
if [ -z "$icd" ]; then
  # Containers often get the driver library without its ICD manifest; the manifest is one line.
  lib=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 / { print $NF; exit }')
  [ -n "$lib" ] || lib=$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 /usr/local/nvidia/lib64/libGLX_nvidia.so.0 2>/dev/null | head -n 1 || true)
  [ -n "$lib" ] || fail "the NVIDIA driver's Vulkan library (libGLX_nvidia.so.0) is missing; in a container, set NVIDIA_DRIVER_CAPABILITIES=all"
  icd="$work/nvidia_icd.json"
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" > "$icd"
fi
VK_ICD_FILENAMES=$icd
VK_DRIVER_FILES=$icd
export VK_ICD_FILENAMES VK_DRIVER_FILES
echo "Vulkan driver manifest: $icd"

# 3. PyTorch CUDA eager on the same model, initialisation, batch and optimizer as bench/ref_gpt_torch.py.
cat > "$work/torch_cuda.py" <<'PY'
import json, sys, time
import torch
sys.path.insert(0, 'bench')
import ref_gpt_torch as ref

class CudaGpt(ref.TinyGpt):
    """The bench model unchanged, except that positions are made on the batch's device."""
    def forward(self, idx, targets):
        x = self.tokens(idx) + self.positions(torch.arange(idx.shape[1], device=idx.device))
        for layer in self.layers:
            x = layer(x)
        logits = self.head(self.norm(x))
        return torch.nn.functional.cross_entropy(logits.view(-1, ref.VOCAB), targets.reshape(-1))

steps, warmup = int(sys.argv[1]), int(sys.argv[2])
torch.manual_seed(0)
device = torch.device('cuda')
model = CudaGpt().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
batch = torch.randint(0, ref.VOCAB, (ref.BATCH, ref.CONTEXT + 1), device=device)
inputs, targets = batch[:, :-1], batch[:, 1:]

def step():
    loss = model(inputs, targets)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss.item()  # one read-back per step, as Loss Lab reads its metrics

for _ in range(warmup):
    step()
torch.cuda.synchronize()
start = time.perf_counter()
losses = [step() for _ in range(steps)]
torch.cuda.synchronize()
seconds = time.perf_counter() - start
print(json.dumps({'tokens_per_sec': ref.BATCH * ref.CONTEXT * steps / seconds, 'ms_per_step': 1000 * seconds / steps,
                  'first_loss': losses[0], 'last_loss': losses[-1], 'device': torch.cuda.get_device_name(0),
                  'tf32_matmul': torch.backends.cuda.matmul.allow_tf32, 'version': torch.__version__}))
PY

field() { sed -n "s/.*\"$1\": *\([0-9.eE+-]*\).*/\1/p" | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# 4. Alternating runs (a noisy machine affects both sides alike), then medians and their ratio.
: > "$work/ours" && : > "$work/theirs"
round=1
while [ "$round" -le "$ROUNDS" ]; do
  line=$(node --import tsx bench/refGpt.ts --backend webgpu --steps "$STEPS" --warmup "$WARMUP" 2>"$work/err") || { cat "$work/err" >&2; fail "the WebGPU run failed"; }
  echo "round $round  loss lab webgpu: $line"
  case "$line" in *"software fallback"*) fail "Dawn chose a software adapter, not the NVIDIA GPU" ;; esac
  echo "$line" | field tokens_per_sec >> "$work/ours"
  line=$("$PYTHON" "$work/torch_cuda.py" "$STEPS" "$WARMUP") || fail "the PyTorch CUDA run failed"
  echo "round $round  pytorch cuda:    $line"
  echo "$line" | field tokens_per_sec >> "$work/theirs"
  round=$((round + 1))
done
ours=$(median < "$work/ours")
theirs=$(median < "$work/theirs")
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "median tokens/s: loss lab webgpu %.0f, pytorch cuda eager %.0f, ratio %.3f (goal >= 1)\n", a, b, a / b }'
