/* A minimal C++ exception runtime for -fwasm-exceptions (Debian's
 * libc++abi for wasm32 is built without exceptions). Every `catch` in
 * eh.cpp names the one thrown type, so the personality can always report
 * selector 1 (the first type of the catching try) instead of reading the
 * LSDA. */
#include <stddef.h>
struct lpad_ctx { int lpad_index; void *lsda; int selector; };
struct lpad_ctx __wasm_lpad_context;
struct hdr { void *tinfo; void (*dtor)(void *); int pad[2]; };
static char heap[4096];
static size_t top;
void *__cxa_allocate_exception(size_t n) {
  struct hdr *h = (struct hdr *)(heap + top);
  top = (top + sizeof(struct hdr) + n + 15) & ~(size_t)15;
  if (top > sizeof heap) top = 0;
  return h + 1;
}
void __cxa_throw(void *obj, void *tinfo, void (*dtor)(void *)) {
  struct hdr *h = (struct hdr *)obj - 1;
  h->tinfo = tinfo;
  h->dtor = dtor;
  __builtin_wasm_throw(0, h);
}
int _Unwind_CallPersonality(void *exn) {
  (void)exn;
  __wasm_lpad_context.selector = 1;
  return 0;
}
static struct hdr *caught;
void *__cxa_begin_catch(void *exn) {
  caught = exn;
  return (struct hdr *)exn + 1;
}
void __cxa_end_catch(void) {}
void __cxa_rethrow(void) { __builtin_wasm_throw(0, caught); }
/* std::terminate() */
void _ZSt9terminatev(void) { __builtin_trap(); }
/* The vtable type_info objects point to; never called. */
void *_ZTVN10__cxxabiv117__class_type_infoE[4];
