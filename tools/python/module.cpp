// The Python module `film` (docs/python.md): a binding over the public API of include/film/ and
// nothing else, so that Python gets the library's frames, checks and messages unchanged.
//
// - Arrays: numpy HxW or HxWxC (C 1-4) of uint8, uint16 or float32, in; the same shape and dtype
//   out. Rows may be strided (a crop, a flip); pixels must be packed within a row, otherwise
//   film.UsageError (a ValueError) says to pass numpy.ascontiguousarray(x). No input is copied
//   before the library reads it; results are handed over without a copy.
// - The GIL is released while the library works (loading a model, interpolating, retiming), so
//   Python threads run beside it and two Interpolators in two threads run in parallel. One
//   Interpolator serves one call at a time (a lock per Interpolator: a second thread waits).
// - Errors: film.Error (the library's film::Error), film.UsageError (also a ValueError: a bad
//   argument or array), film.Cancelled; the message is the one the `film` program prints.
// - retime(): progress and note callbacks run on the calling thread with the GIL held; a
//   progress callback that returns False stops the run (film.Cancelled), one that raises stops it
//   with that exception, and Ctrl-C (KeyboardInterrupt) stops it at the next frame. A video
//   file's finished chunks stay for resume=True.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "film/film.h"

namespace py = pybind11;

namespace {

// The Python classes of the library's errors (set up in the module's init).
PyObject* g_error = nullptr;
PyObject* g_usage_error = nullptr;
PyObject* g_cancelled = nullptr;

[[noreturn]] void usage(const std::string& message) { throw film::UsageError(message); }

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__")).cast<std::string>();
}

std::string dtype_text(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

// An input array and the library's view of it. The array is held, so the pixels stay alive
// while the GIL is released.
struct Input {
  py::array array;
  film::ImageView view;
};

Input input(const py::handle& obj, const char* name) {
  Input in;
  // Arrays and what numpy reads as one without guessing (the array interfaces, buffers: a PIL
  // image, a memoryview), not text or None.
  const bool array_like = py::isinstance<py::array>(obj) || py::hasattr(obj, "__array__") ||
                          py::hasattr(obj, "__array_interface__") ||
                          py::hasattr(obj, "__array_struct__") || PyObject_CheckBuffer(obj.ptr());
  bool converted = false;
  try {
    if (array_like) {
      in.array = py::array::ensure(obj);
      converted = static_cast<bool>(in.array);
    }
  } catch (const py::error_already_set&) {
  }
  if (!converted)
    usage(std::string(name) + ": expected an image as a numpy array, got " + type_name(obj));
  const py::array& a = in.array;
  if (py::isinstance<py::array_t<std::uint8_t>>(a))
    in.view.type = film::SampleType::u8;
  else if (py::isinstance<py::array_t<std::uint16_t>>(a))
    in.view.type = film::SampleType::u16;
  else if (py::isinstance<py::array_t<float>>(a))
    in.view.type = film::SampleType::f32;
  else
    usage(std::string(name) + ": dtype " + dtype_text(a) +
          ", expected uint8, uint16 or float32 (0 black, 1 white)");
  if (a.ndim() != 2 && a.ndim() != 3)
    usage(std::string(name) + ": shape " + shape_text(a) +
          ", expected (height, width) or (height, width, channels)");
  const py::ssize_t channels = a.ndim() == 3 ? a.shape(2) : 1;
  if (channels > 4)
    usage(std::string(name) + ": shape " + shape_text(a) +
          ": 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels expected");
  if (a.shape(0) < 1 || a.shape(1) < 1 || channels < 1)
    usage(std::string(name) + ": shape " + shape_text(a) + " holds no pixels");
  const py::ssize_t item = a.itemsize();
  if ((a.ndim() == 3 && a.strides(2) != item && a.shape(2) > 1) ||
      (a.strides(1) != channels * item && a.shape(1) > 1))
    usage(std::string(name) + ": its pixels are not packed within rows (strides " +
          py::str(a.attr("strides")).cast<std::string>() + "); pass numpy.ascontiguousarray(" +
          name + ")");
  if (a.shape(0) > (1 << 30) || a.shape(1) > (1 << 30))
    usage(std::string(name) + ": shape " + shape_text(a) + " is too large");
  in.view.data = const_cast<void*>(a.data());
  in.view.height = static_cast<int>(a.shape(0));
  in.view.width = static_cast<int>(a.shape(1));
  in.view.channels = static_cast<int>(channels);
  in.view.row_stride = a.shape(0) > 1 ? a.strides(0) : 0;
  return in;
}

std::vector<py::ssize_t> shape_of(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

std::pair<Input, Input> inputs(const py::handle& a, const py::handle& b) {
  Input ia = input(a, "a"), ib = input(b, "b");
  if (shape_of(ia.array) != shape_of(ib.array) || ia.view.type != ib.view.type)
    usage("b: shape " + shape_text(ib.array) + " and dtype " + dtype_text(ib.array) +
          ", where a has shape " + shape_text(ia.array) + " and dtype " + dtype_text(ia.array) +
          "; both must be alike");
  return {std::move(ia), std::move(ib)};
}

// A library image as a numpy array of `shape` (its own, or 2-D for one channel), owning the
// pixels (no copy).
py::array to_array(film::Image image, const std::vector<py::ssize_t>& shape) {
  const char* dtype = image.type() == film::SampleType::u8    ? "uint8"
                      : image.type() == film::SampleType::u16 ? "uint16"
                                                              : "float32";
  auto* owned = new film::Image(std::move(image));
  py::capsule base(owned, [](void* p) { delete static_cast<film::Image*>(p); });
  const py::ssize_t item = static_cast<py::ssize_t>(film::sample_bytes(owned->type()));
  std::vector<py::ssize_t> strides{owned->width() * owned->channels() * item,
                                   owned->channels() * item};
  if (shape.size() == 3) strides.push_back(item);
  return py::array(py::dtype(dtype), shape, strides, owned->data(), base);
}

// `value` as a T, or film.UsageError naming the argument and what it takes.
template <class T>
T as(const py::handle& value, const char* name, const char* expected) {
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    usage(std::string(name) + ": expected " + expected + ", got " + type_name(value));
  }
}

std::string text_or_path(const py::handle& obj, const char* name) {
  if (obj.is_none()) return {};
  try {
    return py::module_::import("os").attr("fspath")(obj).cast<std::string>();
  } catch (const py::error_already_set&) {
    usage(std::string(name) + ": expected a path (str or os.PathLike)");
  } catch (const py::cast_error&) {
    usage(std::string(name) + ": expected a path (str or os.PathLike)");
  }
}

film::Padding padding(const std::string& text) {
  if (text == "replicate") return film::Padding::replicate;
  if (text == "zeros") return film::Padding::zeros;
  usage("padding: expected 'replicate' or 'zeros', got '" + text + "'");
}

// The interpolator options Interpolator() and retime() share, from keyword arguments.
film::InterpolatorOptions interpolator_options(const py::handle& model, const std::string& backend,
                                               const py::handle& device,
                                               const std::string& precision, int threads,
                                               const std::string& pad, int tta,
                                               const py::handle& max_memory) {
  film::InterpolatorOptions o;
  o.model = text_or_path(model, "model");
  o.backend = backend;
  o.device = device.is_none() ? -1 : as<int>(device, "device", "an int or None");
  if (!device.is_none() && o.device < 0) usage("device: expected an index from film.devices()");
  o.precision = precision;
  if (threads < 0)
    usage("threads: expected 0 (every core) or more, got " + std::to_string(threads));
  o.threads = threads;
  o.padding = padding(pad);
  o.tta = tta;
  if (!max_memory.is_none()) {
    const auto bytes = as<long long>(max_memory, "max_memory", "a number of bytes or None");
    if (bytes < 1) usage("max_memory: expected a number of bytes above 0, or None");
    o.max_memory = static_cast<std::uint64_t>(bytes);
  }
  return o;
}

class PyInterpolator {
 public:
  explicit PyInterpolator(const film::InterpolatorOptions& o) {
    py::gil_scoped_release nogil;
    f_ = std::make_unique<film::Interpolator>(o);
  }

  py::array interpolate(const py::handle& a, const py::handle& b, double t) {
    auto [ia, ib] = inputs(a, b);
    film::Image out;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(mutex_);
      out = f_->interpolate(ia.view, ib.view, t);
    }
    return to_array(std::move(out), shape_of(ia.array));
  }

  py::list at(const py::handle& a, const py::handle& b, const std::vector<double>& times) {
    auto [ia, ib] = inputs(a, b);
    std::vector<film::Image> out;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(mutex_);
      out = f_->at(ia.view, ib.view, times);
    }
    py::list list;
    for (auto& image : out) list.append(to_array(std::move(image), shape_of(ia.array)));
    return list;
  }

  py::list frames(const py::handle& a, const py::handle& b, int n) {
    if (n < 1 || n > 1023)
      usage("n: the number of in-betweens must be in 1..1023, got " + std::to_string(n));
    std::vector<double> times;
    for (int i = 1; i <= n; ++i) times.push_back(static_cast<double>(i) / (n + 1));
    return at(a, b, times);
  }

  std::string backend() const { return f_->backend(); }
  std::string model() const { return f_->model(); }

 private:
  std::unique_ptr<film::Interpolator> f_;
  std::mutex mutex_;
};

// A rate or a stretch from Python: a str as the `film` program reads it ("59.94", "60000/1001"),
// an int, a float (by the same rule as its decimal text) or a fractions.Fraction.
film::Rational rate(const py::handle& obj, const char* name) {
  if (obj.is_none()) return {0, 1};
  if (py::isinstance<py::str>(obj)) return film::parse_rate(obj.cast<std::string>(), name);
  if (py::isinstance<py::bool_>(obj)) usage(std::string(name) + ": expected a rate, got a bool");
  if (py::isinstance<py::float_>(obj))
    return film::parse_rate(py::str(obj).cast<std::string>(), name);
  if (py::hasattr(obj, "numerator") && py::hasattr(obj, "denominator")) {
    const py::object num = obj.attr("numerator"), den = obj.attr("denominator");
    if (py::isinstance<py::int_>(num) && py::isinstance<py::int_>(den)) {
      const auto n = num.cast<long long>(), d = den.cast<long long>();
      if (n < 1 || d < 1 || n > (1 << 30) || d > (1 << 30))
        usage(std::string(name) + ": out of range");
      return film::parse_rate(std::to_string(n) + "/" + std::to_string(d), name);
    }
  }
  usage(std::string(name) +
        ": expected a rate such as 60, 59.94, '60000/1001' or a Fraction, got " + type_name(obj));
}

// A TypeError naming a keyword retime() does not take, as Python's own.
void check_keywords(const py::kwargs& kw) {
  static const char* known[] = {"input_fps",
                                "codec",
                                "quality",
                                "pixel_format",
                                "scene_cut",
                                "held",
                                "chunk",
                                "segment",
                                "force",
                                "resume",
                                "reuse",
                                "progress_file",
                                "frame_times_file",
                                "model",
                                "backend",
                                "device",
                                "precision",
                                "threads",
                                "padding",
                                "tta",
                                "max_memory",
                                "scene_cuts",
                                "at_cut"};
  for (auto item : kw) {
    const std::string key = item.first.cast<std::string>();
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return key == k; }) ==
        std::end(known)) {
      std::string list;
      for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
      throw py::type_error("retime() got an unexpected keyword argument '" + key + "' (it takes " +
                           list + ")");
    }
  }
}

// retime()'s keyword options beyond the named ones, each into RetimeOptions.
void retime_keywords(film::RetimeOptions& o, const py::kwargs& kw) {
  check_keywords(kw);
  auto get = [&](const char* key) -> py::object {
    return kw.contains(key) ? py::reinterpret_borrow<py::object>(kw[key]) : py::none();
  };
  auto text = [&](const char* key, const char* fallback) {
    const py::object v = get(key);
    return v.is_none() ? std::string(fallback) : as<std::string>(v, key, "a str");
  };
  auto number = [&](const char* key, double fallback) {
    const py::object v = get(key);
    return v.is_none() ? fallback : as<double>(v, key, "a number");
  };
  auto integer = [&](const char* key, int fallback) {
    const py::object v = get(key);
    return v.is_none() ? fallback : as<int>(v, key, "an int");
  };
  auto flag = [&](const char* key) {
    const py::object v = get(key);
    return !v.is_none() && as<bool>(v, key, "True or False");
  };
  o.input_fps = rate(get("input_fps"), "input_fps");
  o.codec = text("codec", "");
  o.quality = integer("quality", -1);
  o.pixel_format = text("pixel_format", "");
  if (const py::object v = get("scene_cut");
      py::isinstance<py::str>(v) && v.cast<std::string>() == "off")
    o.scene_cut = 0;
  else
    o.scene_cut = number("scene_cut", o.scene_cut);
  o.scene_cuts = text_or_path(get("scene_cuts"), "scene_cuts");
  if (const std::string at = text("at_cut", "repeat"); at == "fade")
    o.at_cut = film::AtCut::fade;
  else if (at != "repeat")
    usage("at_cut: expected 'repeat' or 'fade', got '" + at + "'");
  o.held = number("held", o.held);
  o.chunk_seconds = number("chunk", o.chunk_seconds);
  if (const py::object v = get("segment"); !v.is_none())
    std::tie(o.segment, o.segments) =
        as<std::pair<int, int>>(v, "segment", "(i, n): piece i of n, 0 <= i < n");
  o.force = flag("force");
  o.resume = flag("resume");
  o.reuse_features = flag("reuse");
  o.progress_file = text_or_path(get("progress_file"), "progress_file");
  o.frame_times_file = text_or_path(get("frame_times_file"), "frame_times_file");
  o.interpolator = interpolator_options(
      get("model"), text("backend", ""), get("device"), text("precision", "fp32"),
      integer("threads", 0), text("padding", "replicate"), integer("tta", 1), get("max_memory"));
}

film::RetimeResult retime(const py::handle& src, const py::handle& dst, const py::handle& fps,
                          const py::handle& factor, const py::handle& slowmo,
                          const py::object& progress, const py::object& note,
                          const py::kwargs& kw) {
  film::RetimeOptions o;
  o.input = text_or_path(src, "src");
  o.output = text_or_path(dst, "dst");
  o.fps = rate(fps, "fps");
  o.factor = factor.is_none() ? 0 : as<int>(factor, "factor", "an int (1..64)");
  if (!factor.is_none() && o.factor < 1)
    usage("factor: expected 1..64, got " + std::to_string(o.factor));
  o.slowmo = rate(slowmo, "slowmo");
  retime_keywords(o, kw);
  // An exception a callback raised (or Ctrl-C), kept until the library has stopped.
  std::optional<py::error_already_set> raised;
  film::RetimeCallbacks callbacks;
  callbacks.progress = [&](const film::RetimeProgress& p) {
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!progress.is_none()) {
        const py::object r = progress(p);
        if (!r.is_none() && !r.cast<bool>()) return false;
      }
    } catch (py::error_already_set& e) {
      raised.emplace(std::move(e));
      return false;
    }
    return true;
  };
  callbacks.note = [&](const std::string& text) {
    py::gil_scoped_acquire gil;
    try {
      if (note.is_none())
        py::print("film: " + text, py::arg("file") = py::module_::import("sys").attr("stderr"));
      else
        note(text);
    } catch (py::error_already_set& e) {
      if (!raised) raised.emplace(std::move(e));
    }
  };
  film::RetimeResult result;
  try {
    py::gil_scoped_release nogil;
    result = film::retime(o, callbacks);
  } catch (const film::Cancelled&) {
    if (raised) throw std::move(*raised);
    throw;
  }
  if (raised) throw std::move(*raised);  // a note callback that raised: after the run, not lost
  return result;
}

std::int64_t join(const std::vector<py::object>& pieces, const py::handle& dst,
                  const py::handle& source, bool force) {
  std::vector<std::string> paths;
  for (const auto& p : pieces) paths.push_back(text_or_path(p, "pieces"));
  const std::string out = text_or_path(dst, "dst"), src = text_or_path(source, "source");
  py::gil_scoped_release nogil;
  return film::join_pieces(paths, src, out, force);
}

PyObject* new_exception(py::module_& m, const char* name, PyObject* bases, const char* doc) {
  PyObject* e =
      PyErr_NewExceptionWithDoc((std::string("film.") + name).c_str(), doc, bases, nullptr);
  if (!e) throw py::error_already_set();
  m.add_object(name, py::handle(e));
  return e;
}

void define_errors(py::module_& m) {
  g_error = new_exception(m, "Error", PyExc_Exception,
                          "What the film library raises for bad input, a failed run or failed I/O; "
                          "the message names the file, option or tensor.");
  g_usage_error = new_exception(
      m, "UsageError",
      py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)).release().ptr(),
      "A malformed request: a bad argument, array or option value.");
  g_cancelled = new_exception(m, "Cancelled", g_error, "A progress callback asked to stop.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const film::UsageError& e) {
      PyErr_SetString(g_usage_error, e.what());
    } catch (const film::Cancelled& e) {
      PyErr_SetString(g_cancelled, e.what());
    } catch (const film::Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

void define_info(py::module_& m) {
  py::class_<film::BackendInfo>(m, "Backend", "A backend of this build (film.backends()).")
      .def_readonly("name", &film::BackendInfo::name)
      .def_readonly("summary", &film::BackendInfo::summary)
      .def_readonly("available", &film::BackendInfo::available)
      .def_readonly("why_unavailable", &film::BackendInfo::why_unavailable)
      .def("__repr__", [](const film::BackendInfo& b) {
        return "<film.Backend " + b.name +
               (b.available ? "" : " (unavailable: " + b.why_unavailable + ")") + ">";
      });
  py::class_<film::DeviceInfo>(m, "Device", "A Vulkan device (film.devices()).")
      .def_readonly("index", &film::DeviceInfo::index)
      .def_readonly("name", &film::DeviceInfo::name)
      .def_readonly("type", &film::DeviceInfo::type)
      .def_readonly("api_version", &film::DeviceInfo::api_version)
      .def_readonly("driver", &film::DeviceInfo::driver)
      .def_readonly("software", &film::DeviceInfo::software)
      .def_readonly("memory_bytes", &film::DeviceInfo::memory_bytes)
      .def_readonly("fp16", &film::DeviceInfo::fp16)
      .def("__repr__", [](const film::DeviceInfo& d) {
        return "<film.Device " + std::to_string(d.index) + ": " + d.name + " (" + d.type + ")>";
      });
  m.def("backends", &film::backends, "Every backend of this build, available here or not.");
  m.def(
      "devices",
      [] {
        py::gil_scoped_release nogil;
        return film::devices();
      },
      "The Vulkan devices here; film.Error saying why when there are none.");
}

void define_retime(py::module_& m) {
  py::class_<film::RetimeProgress>(m, "Progress", "What retime()'s progress callback receives.")
      .def_readonly("frames_written", &film::RetimeProgress::frames_written)
      .def_readonly("frames_expected", &film::RetimeProgress::frames_expected)
      .def_readonly("frames_kept", &film::RetimeProgress::frames_kept)
      .def_readonly("seconds", &film::RetimeProgress::seconds)
      .def("__repr__", [](const film::RetimeProgress& p) {
        return "<film.Progress " + std::to_string(p.frames_written) + "/" +
               std::to_string(p.frames_expected) + ">";
      });
  py::class_<film::RetimeResult>(m, "RetimeResult", "What retime() did.")
      .def_readonly("frames_in", &film::RetimeResult::frames_in)
      .def_readonly("frames_decoded", &film::RetimeResult::frames_decoded)
      .def_readonly("frames_out", &film::RetimeResult::frames_out)
      .def_readonly("frames_written", &film::RetimeResult::frames_written)
      .def_readonly("frames_kept", &film::RetimeResult::frames_kept)
      .def_readonly("scene_cuts", &film::RetimeResult::scene_cuts)
      .def_readonly("held_frames", &film::RetimeResult::held_frames)
      .def_readonly("fps_in", &film::RetimeResult::fps_in)
      .def_readonly("fps_out", &film::RetimeResult::fps_out)
      .def_readonly("seconds", &film::RetimeResult::seconds)
      .def_readonly("codec", &film::RetimeResult::codec)
      .def("__repr__", [](const film::RetimeResult& r) {
        return "<film.RetimeResult " + std::to_string(r.frames_written) + " of " +
               std::to_string(r.frames_out) + " frames written, codec " + r.codec + ">";
      });
  m.def("retime", &retime, py::arg("src"), py::arg("dst"), py::kw_only(),
        py::arg("fps") = py::none(), py::arg("factor") = py::none(), py::arg("slowmo") = py::none(),
        py::arg("progress") = py::none(), py::arg("note") = py::none(),
        "A video's or an image sequence's frame rate changed by interpolation (film video).");
  m.def("join", &join, py::arg("pieces"), py::arg("dst"), py::kw_only(),
        py::arg("source") = py::none(), py::arg("force") = false,
        "Joins the pieces of retime(segment=(i, n)) in order (film video --join).");
}

void define_images(py::module_& m) {
  m.def(
      "read_image",
      [](const py::handle& path) {
        const std::string p = text_or_path(path, "path");
        film::Image image;
        {
          py::gil_scoped_release nogil;
          image = film::read_image(p);
        }
        const std::vector<py::ssize_t> shape{image.height(), image.width(), image.channels()};
        return to_array(std::move(image), shape);
      },
      py::arg("path"), "An image file as a numpy array (height, width, channels).");
  m.def(
      "write_image",
      [](const py::handle& path, const py::handle& image, bool overwrite) {
        const std::string p = text_or_path(path, "path");
        const Input in = input(image, "image");
        py::gil_scoped_release nogil;
        film::write_image(p, in.view, overwrite);
      },
      py::arg("path"), py::arg("image"), py::kw_only(), py::arg("overwrite") = false,
      "Writes an array in the format the path's extension names, atomically; an existing file "
      "is replaced only with overwrite=True.");
}

}  // namespace

PYBIND11_MODULE(_film, m) {
  m.doc() = "FILM frame interpolation (docs/python.md): film.Interpolator, film.retime.";
  define_errors(m);
  py::class_<PyInterpolator>(m, "Interpolator",
                             "Frames between two images with a FILM model on a backend.")
      .def(py::init([](const py::handle& model, const py::handle& backend, const py::handle& device,
                       const std::string& precision, int threads, const std::string& pad, int tta,
                       const py::handle& max_memory) {
             const std::string b =
                 backend.is_none() ? "" : as<std::string>(backend, "backend", "a str");
             return std::make_unique<PyInterpolator>(
                 interpolator_options(model, b, device, precision, threads, pad, tta, max_memory));
           }),
           py::arg("model") = py::none(), py::arg("backend") = py::none(),
           py::arg("device") = py::none(), py::arg("precision") = "fp32", py::arg("threads") = 0,
           py::arg("padding") = "replicate", py::arg("tta") = 1, py::arg("max_memory") = py::none())
      .def("interpolate", &PyInterpolator::interpolate, py::arg("a"), py::arg("b"),
           py::arg("t") = 0.5, "The frame at time t (0 is a, 1 is b; rounded to 1/64).")
      .def("frames", &PyInterpolator::frames, py::arg("a"), py::arg("b"), py::arg("n"),
           "n evenly spaced in-betweens: t = 1/(n+1) ... n/(n+1).")
      .def("at", &PyInterpolator::at, py::arg("a"), py::arg("b"), py::arg("times"),
           "The frames at the times given, in that order.")
      .def_property_readonly("backend", &PyInterpolator::backend)
      .def_property_readonly("model", &PyInterpolator::model)
      .def_static("reachable_time", &film::Interpolator::reachable_time, py::arg("t"),
                  "The time a request for t is computed at (t rounded to 1/64).")
      .def("__repr__", [](const PyInterpolator& f) {
        return "<film.Interpolator backend=" + f.backend() + " model=" + f.model() + ">";
      });
  define_info(m);
  define_retime(m);
  define_images(m);
  const std::string version = film::version();  // "film 0.5.0 (commit abc1234)"
  m.def(
      "version", [] { return std::string(film::version()); },
      "'film 0.5.0 (commit abc1234)': the library's version and the commit it was built from.");
  const auto first = version.find(' ') + 1;
  m.attr("__version__") = version.substr(first, version.find(' ', first) - first);
}
