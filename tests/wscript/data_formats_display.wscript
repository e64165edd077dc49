// XML escapes all five entities in text and attributes; maps display as #{…} literals that parse back (issue 17 class 8).
//> <r a="it&apos;s &lt;x&gt; &amp; &quot;q&quot;">don&apos;t &lt;&gt; &amp; &quot;</r>
//> #{"b": 2} #{} #{1: [true]}
//> #{"k": #{"n": 1.5}}
//> true
use xml
fn main() -> int {
    let v = xml::parse("<r a=\"it&apos;s &lt;x&gt; &amp; &quot;q&quot;\">don't &lt;&gt; &amp; \"</r>").unwrap()
    println(xml::to_string(v).unwrap())
    let m: Map[string, int] = #{"b": 2}
    let e: Map[string, int] = #{}
    let n: Map[int, List[bool]] = #{1: [true]}
    println("{m} {e} {n}")
    let nested: Map[string, Map[string, float]] = #{"k": #{"n": 1.5}}
    println(nested)
    let back: Map[string, int] = #{"b": 2}
    println(str(back) == str(m))
    0
}
