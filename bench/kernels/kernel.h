/* The interface every C kernel implements (see native.c). */
#pragma once
extern const int kernel_inputs;
void kernel_init(void);
/* restrict: the buffers alias neither each other nor the kernel state (as
 * in the engine, where the module never sees host memory). */
void kernel_process(const float* restrict in, float* restrict out, int frames);
