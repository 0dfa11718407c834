/*
 * A C program using a wasm module through its generated header (calc.h):
 * typed calls, an import defined in C, memory, the host heap, a global,
 * and a trap. Build with ./build.sh.
 */
#include <stdio.h>
#include <string.h>

#include "calc.h"

/* The context of the imports from module "host" (any struct we like):
 * smelt_mod_calc_instantiate takes a pointer to it, and each import gets it. */
struct smelt_w_host {
  smelt_w_calc *calc;
};

/* The import "host" "log": prints `len` bytes at `ptr` of the module's memory. */
void smelt_w_host_log(struct smelt_w_host *host, int32_t ptr, int32_t len) {
  const uint8_t *bytes = smelt_rt_memory_data(smelt_w_calc_memory(host->calc));
  printf("wasm says: %.*s\n", (int)len, (const char *)bytes + ptr);
}

int main(void) {
  struct smelt_w_host host = {0};
  smelt_rt_trap *trap = NULL;
  smelt_w_calc *calc = smelt_mod_calc_instantiate(&host, &trap);
  if (!calc) {
    fprintf(stderr, "instantiate: %s\n", smelt_rt_trap_message(trap));
    smelt_rt_trap_free(trap);
    return 1;
  }
  host.calc = calc;

  /* Typed calls. */
  printf("add(40, 2) = %d\n", smelt_w_calc_add(calc, 40, 2));
  smelt_w_calc_greet(calc);

  /* Pass a buffer: the module has no allocator, so use the host heap. */
  smelt_rt_memory *memory = smelt_w_calc_memory(calc);
  const char *text = "make some noise";
  uint64_t ptr = smelt_rt_memory_alloc(memory, strlen(text), 1, NULL);
  memcpy(smelt_rt_memory_data(memory) + ptr, text, strlen(text));
  smelt_w_calc_shout(calc, (int32_t)ptr, (int32_t)strlen(text));
  smelt_rt_memory_free(memory, ptr);

  /* Read memory and a global. */
  printf("memory[16..31] = \"%.15s\"\n", (const char *)smelt_rt_memory_data(memory) + 16);
  printf("calls = %d\n", *smelt_w_calc_calls(calc));

  /* A trap: the call returns 0 and the trap is pending until taken. */
  int32_t q = smelt_w_calc_divide(calc, 1, 0);
  smelt_rt_trap *t = smelt_rt_take_trap();
  if (t) {
    printf("divide(1, 0) trapped (returned %d):\n%s", q, smelt_rt_trap_report(t));
    smelt_rt_trap_free(t);
  }
  /* The instance stays usable. */
  printf("divide(7, 2) = %d\n", smelt_w_calc_divide(calc, 7, 2));

  smelt_mod_calc_free(calc);
  return 0;
}
