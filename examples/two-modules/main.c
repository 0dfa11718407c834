/*
 * Two wasm modules linked into one C program: module "app" imports the
 * exports of module "numbers", and gets the numbers module's own
 * functions and global. Build with ./build.sh.
 */
#include <stdio.h>

#include "app.h"
#include "numbers.h"

int main(void) {
  smelt_rt_trap *trap = NULL;
  smelt_w_numbers *numbers = smelt_mod_numbers_instantiate(&trap);
  /* The context of app's imports from "numbers" is a numbers instance. */
  smelt_w_app *app = numbers ? smelt_mod_app_instantiate(numbers, &trap) : NULL;
  if (!app) {
    fprintf(stderr, "instantiate: %s\n", smelt_rt_trap_message(trap));
    smelt_rt_trap_free(trap);
    return 1;
  }

  printf("sum_of_squares(10) = %d\n", smelt_w_app_sum_of_squares(app, 10));
  smelt_rt_multi_ii time;
  smelt_w_app_split(app, 150, &time);
  printf("150 s = %d min %d s\n", time.r0, time.r1);
  printf("numbers used %d times; app sees %d\n", *smelt_w_numbers_uses(numbers),
         smelt_w_app_numbers_uses(app));

  /* Each instance has its own state: a second pair. */
  smelt_w_numbers *numbers2 = smelt_mod_numbers_instantiate(&trap);
  smelt_w_app *app2 = smelt_mod_app_instantiate(numbers2, &trap);
  printf("second app: sum_of_squares(3) = %d\n", smelt_w_app_sum_of_squares(app2, 3));
  printf("uses: first numbers %d, second numbers %d\n", *smelt_w_numbers_uses(numbers),
         *smelt_w_numbers_uses(numbers2));

  /* A trap in numbers, called by app, ends the call into app. */
  int32_t share = smelt_w_app_share(app, 100, 0);
  smelt_rt_trap *t = smelt_rt_take_trap();
  if (t) {
    printf("share(100, 0) trapped (returned %d):\n%s", share, smelt_rt_trap_report(t));
    smelt_rt_trap_free(t);
  }
  printf("share(100, 4) = %d\n", smelt_w_app_share(app, 100, 4));

  smelt_mod_app_free(app2);
  smelt_mod_numbers_free(numbers2);
  smelt_mod_app_free(app);
  smelt_mod_numbers_free(numbers);
  return 0;
}
