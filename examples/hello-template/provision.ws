// Runs inside the template build: leave a note on the guest's disk that
// every clone of the sealed template will find at /boot-disk/BUILT.txt.
fn main(lab: Lab) -> Result[unit, string] {
    let b = lab.vm("build")?
    b.wait_ready(300)?
    let r = b.exec("/bin/sh", ["-c", "mkdir -p /mnt && mount -t vfat /dev/vda /mnt && date -u > /mnt/BUILT.txt && sync && umount /mnt && echo ok"])?
    if r.stdout.trim() != "ok" {
        return Err("cannot write the note: " + r.stderr)
    }
    lab.log("note written")
    Ok(())
}
