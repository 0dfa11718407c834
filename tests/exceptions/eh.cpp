// Throws a C++ exception three frames deep through a destructor
// (a cleanup landing pad), catches it by type, and rethrows once.
struct Error { int code; };
static int cleanups = 0;
struct Guard { ~Guard() { cleanups++; } };

__attribute__((noinline)) static int depth3(int x) {
  if (x > 0) throw Error{x};
  return 0;
}
__attribute__((noinline)) static int depth2(int x) {
  Guard g;  // its destructor runs while the exception passes
  return depth3(x) + 1;
}
__attribute__((noinline)) static int depth1(int x) {
  try {
    return depth2(x) + 1;
  } catch (Error &e) {
    e.code += 1000;
    throw;  // rethrow to the caller
  }
}
extern "C" int run(int x) {
  try {
    return depth1(x);
  } catch (Error &e) {
    return e.code;
  }
}
extern "C" int cleanup_count(void) { return cleanups; }
extern "C" void uncaught(int x) { depth3(x); }
