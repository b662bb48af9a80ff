//! Building a Verilator model at run time: [`SimBuilder`] -> cached shared object -> [`Model`] -> [`Sim`].
//!
//! ```text
//!  Verilog text ──verilator --cc --trace──▶ V<top>.h/.cpp ──parse ports──▶ tb_shim.cpp
//!        │                                        │                             │
//!        └── sha256 (sources, flags, versions) ──▶ cache key      c++ ─────────┴─▶ lib<top>.so ──dlopen──▶ Model
//! ```
//!
//! Models are always verilated with `--trace`, so one cached build serves both plain runs and traced re-runs
//! of a failing test; whether a [`Sim`] writes a VCD is chosen when it is instantiated.

use crate::cache::{self, KeyHasher};
use crate::shim::{self, Dir, PortDecl, Storage};
use crate::sim::Sim;
use crate::toolchain::{self, Cxx, Verilator};
use anyhow::{bail, Context, Result};
use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Optimisation level of the Verilator runtime objects (compiled once per cache).
const RUNTIME_OPT: u32 = 2;

/// Describes a model to build: top module, Verilog sources and options.
#[derive(Clone, Debug)]
pub struct SimBuilder {
    top: String,
    sources: Vec<(String, String)>,
    trace: Option<bool>,
    vcd_path: Option<PathBuf>,
    verilator_args: Vec<String>,
    cache_dir: Option<PathBuf>,
    verilator: Option<PathBuf>,
    opt_level: u32,
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildInfo {
    /// The content hash naming the cache entry.
    pub key: String,
    /// The cache entry (holds `lib<top>.so` and `build.log`).
    pub dir: PathBuf,
    /// True when the shared object came from the cache (this process or an earlier one).
    pub cache_hit: bool,
    /// Time spent in `build` (including loading).
    pub elapsed: Duration,
    /// Verilator's warnings for this design (empty when clean).
    pub warnings: String,
}

impl SimBuilder {
    /// A model whose top-level module is `top`.
    pub fn new(top: impl Into<String>) -> Self {
        SimBuilder {
            top: top.into(),
            sources: Vec::new(),
            trace: None,
            vcd_path: None,
            verilator_args: Vec::new(),
            cache_dir: None,
            verilator: None,
            opt_level: 1,
        }
    }

    /// Adds a Verilog source file given as text; `name` is its file name (e.g. `adder.v`).
    pub fn source(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.sources.push((name.into(), text.into()));
        self
    }

    /// Adds a Verilog source file read from disk.
    pub fn source_file(self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .context("source path has no file name")?
            .to_string_lossy()
            .into_owned();
        Ok(self.source(name, text))
    }

    /// Writes a VCD (default: `TESSERA_TRACE=1`). The file is `target/vcd/<top>-<n>.vcd` unless
    /// [`SimBuilder::vcd_path`] names one.
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = Some(on);
        self
    }

    /// Traces into this file (implies `trace(true)`).
    pub fn vcd_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.vcd_path = Some(path.into());
        self.trace = Some(true);
        self
    }

    /// Passes an extra argument to `verilator` (part of the cache key), e.g. `-GWIDTH=8`.
    pub fn verilator_arg(mut self, arg: impl Into<String>) -> Self {
        self.verilator_args.push(arg.into());
        self
    }

    /// Sets a top-level parameter (`-G<name>=<value>`).
    pub fn param(self, name: &str, value: impl std::fmt::Display) -> Self {
        self.verilator_arg(format!("-G{name}={value}"))
    }

    /// Uses this cache root instead of `TESSERA_VERILATOR_CACHE` / `target/verilator-cache`.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Uses this Verilator executable instead of `TESSERA_VERILATOR` / `PATH`.
    pub fn verilator(mut self, bin: impl Into<PathBuf>) -> Self {
        self.verilator = Some(bin.into());
        self
    }

    /// C++ optimisation level for the model's hot code (default 1; cold code is always -O0).
    pub fn opt_level(mut self, level: u32) -> Self {
        self.opt_level = level;
        self
    }

    /// The top module's name.
    pub fn top(&self) -> &str {
        &self.top
    }

    /// Builds (or fetches from the cache) and loads the model, then instantiates one simulation.
    pub fn build(&self) -> Result<Sim> {
        let model = self.build_model()?;
        let vcd = match (
            &self.vcd_path,
            self.trace.unwrap_or_else(crate::harness::trace_from_env),
        ) {
            (Some(p), _) => Some(p.clone()),
            (None, true) => Some(crate::harness::auto_vcd_path(&self.top)),
            (None, false) => None,
        };
        model.instantiate(vcd.as_deref())
    }

    /// Builds (or fetches from the cache) and loads the model without instantiating it.
    pub fn build_model(&self) -> Result<Arc<Model>> {
        let start = Instant::now();
        if self.sources.is_empty() {
            bail!("SimBuilder for `{}` has no Verilog sources", self.top);
        }
        if !self
            .top
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!(
                "top module name `{}` must be a plain Verilog identifier",
                self.top
            );
        }
        let verilator = toolchain::verilator(self.verilator.as_deref())?;
        let model_cxx = toolchain::cxx(self.opt_level)?;
        let runtime_cxx = toolchain::cxx(RUNTIME_OPT)?;
        let root = self.cache_dir.clone().unwrap_or_else(cache::default_root);
        let (runtime_dir, _) = runtime_objects(&root, &verilator, &runtime_cxx)?;

        let mut h = KeyHasher::default();
        h.part("tessera-testbench model")
            .part(shim::SHIM_VERSION.to_le_bytes())
            .part(&verilator.version)
            .part(verilator.root.as_os_str().as_encoded_bytes())
            .part(&model_cxx.version)
            .part(model_cxx.path.as_os_str().as_encoded_bytes())
            .part(self.opt_level.to_le_bytes())
            .part(runtime_dir.as_os_str().as_encoded_bytes())
            .part(&self.top);
        for a in &model_cxx.args {
            h.part(a.as_encoded_bytes());
        }
        for a in &self.verilator_args {
            h.part(a);
        }
        for (name, text) in &self.sources {
            h.part(name).part(text);
        }
        let key = h.finish();

        // One loaded library per cache entry per process: dlopen would return the same handle anyway.
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Model>>>> = OnceLock::new();
        let entry = root.join(format!("{}-{}", self.top, key));
        if let Some(m) = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap()
            .get(&entry)
        {
            let mut m = (**m).clone_info();
            m.info.cache_hit = true;
            m.info.elapsed = start.elapsed();
            return Ok(Arc::new(m));
        }

        let name = format!("{}-{}", self.top, key);
        let (dir, cache_hit) = cache::get_or_build(&root, &name, &key, |tmp| {
            self.compile(tmp, &verilator, &model_cxx, &runtime_dir)
        })?;
        let warnings = fs::read_to_string(dir.join("build.log")).unwrap_or_default();
        let lib_path = dir.join(format!("lib{}.so", self.top));
        let info = BuildInfo {
            key,
            dir,
            cache_hit,
            elapsed: Duration::ZERO,
            warnings,
        };
        let mut model = Model::load(&self.top, &lib_path, info)?;
        model.info.elapsed = start.elapsed();
        let model = Arc::new(model);
        LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap()
            .insert(entry, model.clone());
        Ok(model)
    }

    fn compile(&self, tmp: &Path, v: &Verilator, cxx: &Cxx, runtime_dir: &Path) -> Result<()> {
        let src_dir = tmp.join("src");
        let obj_dir = tmp.join("obj");
        fs::create_dir_all(&src_dir)?;
        let mut files = Vec::new();
        for (name, text) in &self.sources {
            if name.contains('/') || name.contains('\\') || name.is_empty() {
                bail!("source name `{name}` must be a plain file name");
            }
            let p = src_dir.join(name);
            fs::write(&p, text)?;
            files.push(p);
        }
        let mut cmd = std::process::Command::new(&v.bin);
        cmd.args(["--cc", "--trace", "-Wno-fatal", "--top-module", &self.top])
            .arg("--Mdir")
            .arg(&obj_dir)
            .arg(format!("-I{}", src_dir.display()))
            .args(&self.verilator_args)
            .args(&files);
        let log = toolchain::run_capture(&mut cmd)
            .with_context(|| format!("verilating `{}` failed", self.top))?;
        fs::write(tmp.join("build.log"), &log)?;

        let class = format!("V{}", self.top);
        let header_path = obj_dir.join(format!("{class}.h"));
        let header = fs::read_to_string(&header_path)
            .with_context(|| format!("reading {}", header_path.display()))?;
        let ports = shim::parse_ports(&header)?;
        fs::write(
            obj_dir.join("tb_shim.cpp"),
            shim::generate(&self.top, &ports),
        )?;

        let units = bundle_sources(&obj_dir)?;
        let mut common = toolchain::common_flags(v);
        common.push(format!("-I{}", obj_dir.display()).into());
        toolchain::compile_all(cxx, &common, &units)?;

        let mut objs: Vec<PathBuf> = units.iter().map(|u| u.1.clone()).collect();
        for r in RUNTIME_SOURCES {
            objs.push(runtime_dir.join(format!("{r}.o")));
        }
        toolchain::link_shared(cxx, &objs, &tmp.join(format!("lib{}.so", self.top)))?;
        // Keep the header and shim for reference; drop the bulky intermediates.
        fs::copy(&header_path, tmp.join(format!("{class}.h")))?;
        fs::copy(obj_dir.join("tb_shim.cpp"), tmp.join("tb_shim.cpp"))?;
        fs::remove_dir_all(&obj_dir).ok();
        Ok(())
    }
}

/// Source bytes of hot code per translation unit above which a second hot bundle is worth its extra parse
/// of the Verilator headers (which dominates the compile time of small models).
const BUNDLE_BYTES: u64 = 256 * 1024;

/// Groups the generated C++ into a few translation units, as Verilator's own `__ALL.cpp` does: parsing
/// `verilated.h` costs about a second per file, which made a small model's nine files cost ~10 s of CPU
/// against ~2 s bundled. Cold code (Verilator's `__Slow` files, the symbol table, and the shim) forms one
/// unit compiled at -O0; hot code is spread over at most `jobs() - 1` units by size.
fn bundle_sources(obj_dir: &Path) -> Result<Vec<(PathBuf, PathBuf, Vec<OsString>)>> {
    let mut hot = Vec::new();
    let mut cold = Vec::new();
    for entry in fs::read_dir(obj_dir)? {
        let p = entry?.path();
        if p.extension().is_none_or(|e| e != "cpp") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let size = fs::metadata(&p)?.len();
        if name.contains("__Slow") || name.ends_with("__Syms.cpp") || name == "tb_shim.cpp" {
            cold.push(name);
        } else {
            hot.push((size, name));
        }
    }
    cold.sort();
    hot.sort_by(|a, b| b.cmp(a));
    let total: u64 = hot.iter().map(|h| h.0).sum();
    let n =
        ((total / BUNDLE_BYTES) as usize + 1).clamp(1, toolchain::jobs().saturating_sub(1).max(1));
    let mut bundles: Vec<(u64, Vec<String>)> = vec![(0, Vec::new()); n];
    for (size, name) in hot {
        let least = bundles.iter_mut().min_by_key(|b| b.0).unwrap();
        least.0 += size;
        least.1.push(name);
    }
    let mut units = Vec::new();
    let mut write = |stem: String, files: &[String], extra: Vec<OsString>| -> Result<()> {
        let text: String = files
            .iter()
            .map(|f| format!("#include \"{f}\"\n"))
            .collect();
        let src = obj_dir.join(format!("{stem}.cpp"));
        fs::write(&src, text)?;
        units.push((src, obj_dir.join(format!("{stem}.o")), extra));
        Ok(())
    };
    write("tb_bundle_cold".into(), &cold, vec!["-O0".into()])?;
    for (i, (_, files)) in bundles.iter().enumerate() {
        if !files.is_empty() {
            write(format!("tb_bundle_hot{i}"), files, Vec::new())?;
        }
    }
    Ok(units)
}

const RUNTIME_SOURCES: [&str; 3] = ["verilated", "verilated_vcd_c", "verilated_threads"];

/// Compiles Verilator's runtime once per (Verilator, compiler, flags) into the cache.
fn runtime_objects(root: &Path, v: &Verilator, cxx: &Cxx) -> Result<(PathBuf, bool)> {
    let mut h = KeyHasher::default();
    h.part("tessera-testbench runtime")
        .part(&v.version)
        .part(v.root.as_os_str().as_encoded_bytes())
        .part(&cxx.version)
        .part(cxx.path.as_os_str().as_encoded_bytes());
    let common = toolchain::common_flags(v);
    for a in cxx.args.iter().chain(&common) {
        h.part(a.as_encoded_bytes());
    }
    let key = h.finish();
    cache::get_or_build(root, &format!("runtime-{key}"), &key, |tmp| {
        let units: Vec<_> = RUNTIME_SOURCES
            .iter()
            .map(|r| {
                (
                    v.root.join(format!("include/{r}.cpp")),
                    tmp.join(format!("{r}.o")),
                    Vec::new(),
                )
            })
            .collect();
        toolchain::compile_all(cxx, &common, &units)
    })
}

type FnU32 = unsafe extern "C" fn() -> u32;
type FnPortStr = unsafe extern "C" fn(u32) -> *const c_char;
type FnPortU32 = unsafe extern "C" fn(u32) -> u32;
type FnNew = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type FnHandle = unsafe extern "C" fn(*mut c_void);
type FnDump = unsafe extern "C" fn(*mut c_void, u64);
type FnHandleU32 = unsafe extern "C" fn(*mut c_void) -> u32;
type FnPortPtr = unsafe extern "C" fn(*mut c_void, u32) -> *mut c_void;

/// Entry points of a loaded model library.
#[derive(Clone, Copy)]
pub(crate) struct Api {
    pub new: FnNew,
    pub free: FnHandle,
    pub eval: FnHandle,
    pub dump: FnDump,
    pub flush: FnHandle,
    pub got_finish: FnHandleU32,
    pub port_ptr: FnPortPtr,
}

/// A loaded model library: the port table and the entry points. Instantiate it any number of times.
pub struct Model {
    top: String,
    lib: Arc<Library>,
    pub(crate) api: Api,
    ports: Arc<Vec<PortDecl>>,
    /// Identifies this design (first 64 bits of the cache key) so a port handle from another design is
    /// rejected.
    pub(crate) design_id: u64,
    info: BuildInfo,
}

impl Model {
    fn load(top: &str, path: &Path, info: BuildInfo) -> Result<Model> {
        // RTLD_LOCAL: each library keeps its own copy of the Verilator runtime and its globals.
        let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }
            .with_context(|| format!("loading {}", path.display()))?;
        unsafe {
            let version: FnU32 = *lib.get::<FnU32>(b"tb_shim_version")?;
            if version() != shim::SHIM_VERSION {
                bail!(
                    "{} was built by shim version {}, expected {}",
                    path.display(),
                    version(),
                    shim::SHIM_VERSION
                );
            }
            let count: FnU32 = *lib.get(b"tb_port_count")?;
            let name: FnPortStr = *lib.get(b"tb_port_name")?;
            let dir: FnPortU32 = *lib.get(b"tb_port_dir")?;
            let width: FnPortU32 = *lib.get(b"tb_port_width")?;
            let storage: FnPortU32 = *lib.get(b"tb_port_storage")?;
            let mut ports = Vec::new();
            for i in 0..count() {
                let n = CStr::from_ptr(name(i)).to_string_lossy().into_owned();
                let w = width(i);
                let d = Dir::from_code(dir(i)).context("bad port direction in shim")?;
                let s = match storage(i) {
                    8 => Storage::U8,
                    16 => Storage::U16,
                    32 => Storage::U32,
                    64 => Storage::U64,
                    0 => Storage::Wide(w.div_ceil(32)),
                    other => bail!("bad storage code {other} for port {n}"),
                };
                ports.push(PortDecl {
                    name: n,
                    dir: d,
                    width: w,
                    storage: s,
                });
            }
            let api = Api {
                new: *lib.get(b"tb_new")?,
                free: *lib.get(b"tb_free")?,
                eval: *lib.get(b"tb_eval")?,
                dump: *lib.get(b"tb_dump")?,
                flush: *lib.get(b"tb_flush")?,
                got_finish: *lib.get(b"tb_got_finish")?,
                port_ptr: *lib.get(b"tb_port_ptr")?,
            };
            let design_id = u64::from_str_radix(&info.key[..16], 16).unwrap_or(0);
            Ok(Model {
                top: top.to_string(),
                lib: Arc::new(lib),
                api,
                ports: Arc::new(ports),
                design_id,
                info,
            })
        }
    }

    fn clone_info(&self) -> Model {
        Model {
            top: self.top.clone(),
            lib: self.lib.clone(),
            api: self.api,
            ports: self.ports.clone(),
            design_id: self.design_id,
            info: self.info.clone(),
        }
    }

    /// The top module's name.
    pub fn top(&self) -> &str {
        &self.top
    }

    /// The ports, in Verilator's declaration order.
    pub fn ports(&self) -> &[PortDecl] {
        &self.ports
    }

    /// How this model was obtained.
    pub fn build_info(&self) -> &BuildInfo {
        &self.info
    }

    /// Creates a fresh simulation (own Verilator context, all state at reset values), tracing into `vcd`.
    pub fn instantiate(self: &Arc<Self>, vcd: Option<&Path>) -> Result<Sim> {
        let cpath = match vcd {
            Some(p) => {
                if let Some(parent) = p.parent() {
                    fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                Some(
                    CString::new(p.as_os_str().as_encoded_bytes())
                        .context("VCD path contains NUL")?,
                )
            }
            None => None,
        };
        let handle =
            unsafe { (self.api.new)(cpath.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())) };
        if handle.is_null() {
            bail!("model `{}` could not be created", self.top);
        }
        Ok(Sim::new(self.clone(), handle, vcd.map(Path::to_path_buf)))
    }
}

// The library handle and plain function pointers may be used from any thread; all per-instance state lives
// behind the handles that `Sim` owns.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}
