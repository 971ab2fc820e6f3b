/* bench-tiny: the program a spawn storm execs; it only exits. */
int main(void)
{
	return 0;
}
